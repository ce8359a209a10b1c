"""Read what a request sends: its JSON body and its query parameters, or raise a ServiceError."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import request

from service.errors import (
    InvalidEncoding,
    InvalidJSON,
    InvalidParameter,
    RequestTooLarge,
    UnsupportedMediaType,
)
from service.http.limits import seconds_left

JSON_CHARSETS = {None, "utf-8", "utf8"}
# Query numbers as a person writes them, ASCII digits only: no sign, space, `_`, `0x`, Unicode
# digits, `inf` or `nan`, which int() and float() would take. A number may have a fraction and
# an exponent (`1e-05` is how a float prints).
MAX_OFFSET = 2**63 - 1  # a passage's offsets: any int64 (past the text: an empty passage)
_INTEGER = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_LONGEST = 40  # characters read as a number; longer is out of range (int() stops at 4,300 digits)


class DuplicateKey(ValueError):
    """A JSON object names one key twice: which value was meant is anyone's guess."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(key)
        result[key] = value
    return result


def raw_body() -> bytes:
    """The whole body; 413 when a body without Content-Length (chunked) runs past the limit,
    rather than the first MAX_CONTENT_LENGTH bytes of it."""
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    chunked = request.content_length is None and limit is not None and len(raw) >= limit
    if chunked and request.environ["wsgi.input"].read(1):  # more than the limit was sent
        raise RequestTooLarge(f"the request body is larger than {limit} bytes")
    return raw


def json_body(*, optional: bool = False) -> Any:
    """The decoded JSON body. Checks, in order: the content type (415), the size (413, from
    MAX_CONTENT_LENGTH), that the raw bytes are UTF-8 (400 invalid_encoding), the JSON (400
    invalid_json). With `optional`, an empty body reads as `{}`; its content type must still be
    JSON, so that a browser's cross-site "simple" POST (no or a form content type) is 415."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"send the body as application/json, not {mimetype or 'without a content type'}"
        )
    charset = request.mimetype_params.get("charset")
    if (charset.lower() if charset else None) not in JSON_CHARSETS:
        raise UnsupportedMediaType(f"JSON bodies are UTF-8, not {charset}")
    raw = raw_body()
    if optional and not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEncoding(f"the body is not valid UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except DuplicateKey as exc:
        raise InvalidJSON(f"the body names the key {str(exc)!r} twice in one object") from None
    except json.JSONDecodeError as exc:
        raise InvalidJSON(
            f"the body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except ValueError:  # Python's own words ("sys.set_int_max_str_digits()") stay out
        raise InvalidJSON("the body is not acceptable JSON: a number has too many digits") from None
    except RecursionError:
        raise InvalidJSON("the body is not acceptable JSON: it is nested too deeply") from None


def query_number(
    name: str,
    default: float,
    minimum: float,
    maximum: float,
    *,
    integer: bool = True,
) -> Any:
    """A numeric query parameter within [minimum, maximum], or `default` when absent."""
    raw = request.args.get(name)
    if raw is None:
        return default
    kind = "an integer" if integer else "a number"
    if not (_INTEGER if integer else _NUMBER).fullmatch(raw):
        raise InvalidParameter(f"{name} must be {kind}, not {raw[:_LONGEST]!r}", field=name)
    # Longer than _LONGEST is out of range whatever it is; shorter cannot overflow a float.
    value: float = math.inf if len(raw) > _LONGEST else int(raw) if integer else float(raw)
    if not math.isfinite(value) or not minimum <= value <= maximum:
        shown = raw if len(raw) <= _LONGEST else f"{raw[:_LONGEST]}..."
        raise InvalidParameter(
            f"{name} must be {kind} from {minimum:g} to {maximum:g}, not {shown}", field=name
        )
    return value


def wait_seconds(maximum: float) -> float:
    """`?wait=SECONDS`: how long to wait for a job to finish (0, the default: answer at once),
    never past the request's time limit."""
    wait = float(query_number("wait", 0, 0, maximum, integer=False))
    return min(wait, seconds_left())
