"""Request-body validation shared by the API and the command line.

Bodies are checked by pydantic models that forbid unknown fields and never coerce types (`"5"` is
not a number, `1` is not a string); `parse_model` turns pydantic's errors into the service's one
error shape, naming the offending field as a JSON path such as `documents[2].text`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from service.errors import InvalidField

DOCUMENT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
_DOCUMENT_ID = re.compile(DOCUMENT_ID_PATTERN)
# A BCP 47-like tag as clients write it ("en", "EN-gb", "zh_CN"); stored lower-cased with "-".
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8}){0,3}$"
# What the checks below enforce, as JSON Schema patterns that read the same in Python and in
# ECMA-262 (the white space is Python's str.isspace spelt out, since the two `\s` differ).
_SPACE = r"\t-\r\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Characters that show nothing and are not white space to str.isspace: zero-width space, non-joiner
# and joiner, word joiner, the byte order mark, the Mongolian vowel separator; a text of only
# these and white space is empty text (issue 23).
_INVISIBLE = r"\u180e\u200b-\u200d\u2060\ufeff"
STORABLE_PATTERN = r"^[^\u0000]*$"
NOT_BLANK_PATTERN = rf"^[^\u0000]*[^\u0000{_SPACE}{_INVISIBLE}][^\u0000]*$"
_NOT_BLANK = re.compile(NOT_BLANK_PATTERN)

_MESSAGES = {
    "extra_forbidden": "unknown field",
    "missing": "field required",
}


def is_document_id(value: str) -> bool:
    return bool(_DOCUMENT_ID.fullmatch(value))


def check_storable(value: str) -> str:
    """Reject what no database column can hold: lone surrogates (not encodable as UTF-8, so JSON
    escapes like "\\ud800" get past the UTF-8 check of the raw body) and NUL characters
    (PostgreSQL text cannot hold them)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode: it contains a lone surrogate") from None
    if "\x00" in value:
        raise ValueError("contains a NUL character")
    return value


def check_not_blank(value: str) -> str:
    if not _NOT_BLANK.fullmatch(value):  # after check_storable: NUL is refused already
        raise ValueError("must contain more than white space and zero-width characters")
    return value


# The patterns are only shown (json_schema_extra): the functions give the clearer messages.
StorableStr = Annotated[
    str, AfterValidator(check_storable), Field(json_schema_extra={"pattern": STORABLE_PATTERN})
]
NonBlankStr = Annotated[
    str,
    AfterValidator(check_storable),
    AfterValidator(check_not_blank),
    Field(json_schema_extra={"pattern": NOT_BLANK_PATTERN}),
]
# The pattern comes before the validator function, so that the JSON schema (the OpenAPI document)
# shows it: pydantic cannot describe a constraint applied to a function's output.
DocumentId = Annotated[
    str, StringConstraints(pattern=DOCUMENT_ID_PATTERN), AfterValidator(check_storable)
]
LanguageTag = Annotated[
    str, StringConstraints(pattern=LANGUAGE_PATTERN), AfterValidator(check_storable)
]


def _whole(value: Any) -> Any:
    """JSON has one number type: 643.0 is the integer 643 (as JSON Schema's `integer` says)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An integer in a body: strict (no "5", no true), but 5.0 is 5. Constraints on it go before the
# validator, as for DocumentId, so that the JSON schema shows them.
WHOLE = BeforeValidator(_whole)


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


Model = TypeVar("Model", bound=RequestModel)


def field_path(location: tuple[str | int, ...], prefix: str = "") -> str | None:
    """`("documents", 2, "text")` -> `documents[2].text`."""
    path = prefix
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path or None


def parse_model(model: type[Model], payload: Any, prefix: str = "") -> Model:
    """Validate `payload` (decoded JSON) as `model`, or raise InvalidField naming the field.

    The first error is the one reported (unknown fields first); all of them are listed in
    `details.errors`.
    """
    if not isinstance(payload, dict):
        raise InvalidField("the request body must be a JSON object", field=prefix or None)
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        # Unknown fields first: a misspelt field ("txt") explains the "missing" error that follows.
        ordered = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        errors = [{"field": field_path(e["loc"], prefix), "message": _message(e)} for e in ordered]
    field, problem = errors[0]["field"], errors[0]["message"] or "invalid"
    message = f"{field}: {problem}" if field else problem
    raise InvalidField(message, field=field, details={"errors": errors})


def _message(error: Any) -> str:
    if error["type"] in _MESSAGES:
        return _MESSAGES[error["type"]]
    message = str(error["msg"])
    return message.removeprefix("Value error, ")
