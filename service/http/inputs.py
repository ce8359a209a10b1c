"""Read what a request sends: its JSON body and its query parameters, or raise a ServiceError."""

from __future__ import annotations

import json
import math
from typing import Any

from flask import request

from service.errors import InvalidEncoding, InvalidJSON, InvalidParameter, UnsupportedMediaType
from service.http.limits import seconds_left

JSON_CHARSETS = {None, "utf-8", "utf8"}


def json_body(*, optional: bool = False) -> Any:
    """The decoded JSON body. Checks, in order: the content type (415), the size (413, from
    MAX_CONTENT_LENGTH), that the raw bytes are UTF-8 (400 invalid_encoding), the JSON (400
    invalid_json). With `optional`, an empty body without content type reads as `{}`."""
    if optional and not request.content_type and not request.get_data(cache=True):
        return {}
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(
            f"send the body as application/json, not {mimetype or 'without a content type'}"
        )
    charset = request.mimetype_params.get("charset")
    if (charset.lower() if charset else None) not in JSON_CHARSETS:
        raise UnsupportedMediaType(f"JSON bodies are UTF-8, not {charset}")
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEncoding(f"the body is not valid UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidJSON(
            f"the body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of 5,000 digits, deep nesting
        raise InvalidJSON(f"the body is not acceptable JSON: {exc}") from None


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
    try:
        value: float = int(raw) if integer else float(raw)
    except ValueError:
        raise InvalidParameter(f"{name} must be {kind}, not {raw!r}", field=name) from None
    if not math.isfinite(value) or not minimum <= value <= maximum:
        raise InvalidParameter(
            f"{name} must be {kind} from {minimum:g} to {maximum:g}, not {raw}", field=name
        )
    return value


def wait_seconds(maximum: float) -> float:
    """`?wait=SECONDS`: how long to wait for a job to finish (0, the default: answer at once),
    never past the request's time limit."""
    wait = float(query_number("wait", 0, 0, maximum, integer=False))
    return min(wait, seconds_left())
