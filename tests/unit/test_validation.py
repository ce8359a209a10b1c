"""The patterns the OpenAPI document shows for request strings say exactly what validation does."""

from __future__ import annotations

import re
import sys

import pytest

from service.validation import (
    NOT_BLANK_PATTERN,
    STORABLE_PATTERN,
    check_not_blank,
    check_storable,
)

ZERO_WIDTH = "\u180e\u200b\u200c\u200d\u2060\ufeff"


def test_the_white_space_of_the_pattern_is_python_s():
    """Every code point is blank to the pattern exactly when str.isspace says so or it is a
    zero-width character (the check)."""
    not_blank = re.compile(NOT_BLANK_PATTERN)
    for code in range(1, sys.maxunicode + 1):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue  # lone surrogates are refused before (check_storable)
        blank = char.isspace() or char in ZERO_WIDTH
        assert bool(not_blank.fullmatch(char)) == (not blank), hex(code)


@pytest.mark.parametrize("text", ["a", " a ", "\u3000\n x", "\ufeffa", "a\u200b", "“”"])
def test_text_with_more_than_white_space_passes_both(text):
    assert re.fullmatch(NOT_BLANK_PATTERN, text)
    assert check_not_blank(check_storable(text)) == text


@pytest.mark.parametrize(
    "text",
    ["", " ", "\t\n\r\x0b\x0c", "\x1c\x1d\x1e\x1f\x85\xa0\u2028", ZERO_WIDTH, "\u200b \ufeff"],
)
def test_blank_text_fails_both(text):
    assert not re.fullmatch(NOT_BLANK_PATTERN, text)
    with pytest.raises(ValueError, match="white space"):
        check_not_blank(text)


def test_nul_fails_both():
    assert not re.fullmatch(STORABLE_PATTERN, "a\x00b")
    assert not re.fullmatch(NOT_BLANK_PATTERN, "a\x00b")
    with pytest.raises(ValueError, match="NUL"):
        check_storable("a\x00b")
