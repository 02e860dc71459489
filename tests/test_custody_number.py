"""A detainee is recorded by custody record number, never by name: what may be stored as
one, what is refused, and what the volunteer is told about it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from icv_app.domain.custody.custody_number import (
    DEFAULT_PATTERN,
    EXAMPLE,
    MAX_PATTERN_CHARS,
    check_custody_number,
    compile_pattern,
    looks_personal,
    normalise,
)


def test_the_example_number_is_accepted_as_it_is():
    result = check_custody_number(EXAMPLE)
    assert result.ok and result.value == "01NS/0421/26" and result.message == ""


@pytest.mark.parametrize("typed", ["01ns/0421/26", " 01NS / 0421 / 26 ", "01Ns/ 0421 /26"])
def test_a_number_is_stored_in_upper_case_without_spaces_around_slashes(typed):
    assert check_custody_number(typed).value == "01NS/0421/26"


def test_normalise_only_touches_case_and_spaces_around_slashes():
    assert normalise("  07ab /12/26  ") == "07AB/12/26"
    assert normalise("07AB 12") == "07AB 12"


# Every number of the default shape: ASCII digits, 2-4 letters, a running number, a year.
DEFAULT_SHAPE = r"[0-9]{2}[A-Z]{2,4}/[0-9]{1,6}/[0-9]{2}"


@given(st.from_regex(DEFAULT_SHAPE, fullmatch=True))
def test_every_number_of_the_default_shape_is_accepted(number):
    assert looks_personal(number) == ""
    assert check_custody_number(number).value == number
    assert check_custody_number(number.lower()).value == number


@pytest.mark.parametrize("typed", [
    "01NS/04",          # still being typed
    "01NS/0421/2026",   # a four-digit year
    "1NS/0421/26",      # one digit for the force
    "01NS/0421/26X",    # something after it: the whole text must match
    "01NS-0421-26",
])
def test_a_number_not_of_the_schemes_shape_is_refused_with_the_example(typed):
    result = check_custody_number(typed)
    assert not result.ok and result.value is None
    assert "not a custody record number of this scheme" in result.message
    assert EXAMPLE in result.message


@pytest.mark.parametrize(("typed", "what"), [
    ("John Smith", "a name"),
    ("J Smith", "a name"),
    ("SMITH", "a name"),
    ("01NS/0421/26 Smith", "a name"),  # a name beside a good number is still a name
    ("John Smith DOB 1990", "a date of birth"),
    ("d.o.b. 1990", "a date of birth"),
    ("born 1990", "a date of birth"),
    ("01/02/1990", "a date of birth"),
    ("1.2.90", "a date of birth"),
    ("1990-02-01", "a date of birth"),
    ("12 Mar 1990", "a date of birth"),
    ("12 High Street", "an address"),
    ("Flat 3", "an address"),
    ("SW1A 1AA", "an address"),
])
def test_personal_data_is_refused_saying_what_it_looks_like(typed, what):
    result = check_custody_number(typed)
    assert result.value is None
    assert result.message.startswith(f"This looks like {what}.")
    assert "never a name" in result.message
    assert looks_personal(typed) == result.message


def test_blank_is_stored_as_blank_whether_one_is_needed_is_checked_elsewhere():
    assert check_custody_number("   ").value == ""


def test_a_scheme_sets_its_own_pattern():
    pattern = r"[A-Z]{2}[0-9]{6}"
    assert check_custody_number("ab123456", pattern).value == "AB123456"
    refused = check_custody_number("01NS/0421/26", pattern)
    assert refused.value is None and "not a custody record number" in refused.message


def test_the_guard_holds_whatever_the_schemes_pattern_accepts():
    # A careless pattern that accepts anything still never lets a name through.
    assert check_custody_number("John Smith", r".*").value is None
    assert check_custody_number("01NS/0421/26", r".*").value == "01NS/0421/26"


def test_a_pattern_that_is_not_usable_says_so_and_the_default_is_used():
    with pytest.raises(ValueError, match="not a valid expression"):
        compile_pattern("[unclosed")
    with pytest.raises(ValueError, match=f"1 to {MAX_PATTERN_CHARS} characters"):
        compile_pattern("x" * (MAX_PATTERN_CHARS + 1))
    with pytest.raises(ValueError):
        compile_pattern("")
    assert check_custody_number("01NS/0421/26", "[unclosed").value == "01NS/0421/26"
    assert check_custody_number("AB123456", "[unclosed").value is None


def test_the_default_pattern_is_the_one_described():
    assert re.fullmatch(DEFAULT_PATTERN, EXAMPLE)


@pytest.mark.parametrize("text", ["01NS/0421/26", "XY-99", "AB123456", "12345"])
def test_the_personal_data_guard_alone_lets_any_scheme_number_through(text):
    # What the server checks, serving laptops of any configuration.
    assert looks_personal(text) == ""


def test_digits_from_other_scripts_are_not_custody_number_digits():
    # An N'Ko zero and Arabic-Indic digits look like digits but are not the scheme's.
    for text in ("0\u07c0NS/0421/26", "\u0660\u0661NS/0421/26"):
        assert not check_custody_number(text).ok


def test_a_letter_code_between_slashes_is_not_taken_for_a_name():
    # Schemes whose numbers start with a suite code: the guard leaves the code alone...
    assert looks_personal("ABC/12345/26") == ""
    assert check_custody_number("abc/12345/26", r"[A-Z]{3}/\d{5}/\d{2}").value == "ABC/12345/26"
    # ... but a name standing alone, or five letters in a row, is still refused.
    assert looks_personal("Bob 12345") != ""
    assert looks_personal("SMITH/12345/26") != ""
