"""Phones are gated on shape, not on the phone library's ranges (issue 14 §1; stack.md)."""

import pytest

from huifang.archive.importing import parsing
from huifang.core.phones import PhoneError, parse_phone_by_shape


@pytest.mark.parametrize(
    ("raw", "e164", "unverified"),
    [
        ("13812345678", "+8613812345678", False),
        ("14012345678", "+8614012345678", True),  # 140: not allocated in phonenumbers 9.0.43
        ("+86 174 1234 5678", "+8617412345678", True),
        ("0086-19412345678", "+8619412345678", True),
        ("0755-88881234", "+8675588881234", False),
        ("010-65529988", "+861065529988", False),
    ],
)
def test_numbers_shaped_like_mainland_phones_are_kept(raw, e164, unverified):
    # when
    phone = parse_phone_by_shape(raw)
    # then
    assert (phone.e164, phone.unverified) == (e164, unverified)


@pytest.mark.parametrize("raw", ["1380013", "12012345678", "1381234567a", "abc", "138123456789", "0755-1234567"])
def test_values_that_cannot_be_phone_numbers_are_refused(raw):
    # when / then
    with pytest.raises(PhoneError):
        parse_phone_by_shape(raw)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("13812345678 / 0755-88881234", "+8613812345678"),
        ("14012345678 / 0755-88881234", "+8675588881234"),  # a known number wins over an unverified one
        ("15850612310（本人）", "+8615850612310"),
        ("NULL", None),
        ("无", None),
    ],
)
def test_phone_cells_keep_the_first_known_number(cell, expected):
    # when / then
    assert parsing.parse_phone_value(cell) == expected


def test_phone_cell_with_only_an_unknown_range_is_kept_with_a_warning():
    # when
    result = parsing.parse_phone_value("14912345678（本人）")
    # then
    assert isinstance(result, parsing.Flagged)
    assert result.value == "+8614912345678"
    assert "does not know" in result.reason
