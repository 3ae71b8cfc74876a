import pytest

from huifang.core.phones import PhoneError, display_phone, mask_phone, parse_phone, phone_search_digits


@pytest.mark.parametrize(
    "raw, e164, mobile",
    [
        ("13812345678", "+8613812345678", True),
        ("138 1234 5678", "+8613812345678", True),
        ("+86-138-1234-5678", "+8613812345678", True),
        ("8613812345678", "+8613812345678", True),
        ("010-65529988", "+861065529988", False),
        ("0755 8888 6666", "+8675588886666", False),
    ],
)
def test_phone_numbers_in_any_format_normalise_to_e164(raw, e164, mobile):
    phone = parse_phone(raw)
    assert (phone.e164, phone.is_mobile) == (e164, mobile)


@pytest.mark.parametrize("raw", ["12345", "abc", "1381234567", ""])
def test_invalid_phone_numbers_raise(raw):
    with pytest.raises(PhoneError):
        parse_phone(raw)


def test_masking_keeps_first_three_and_last_four_digits():
    assert mask_phone("+8613812345678") == "138****5678"
    assert mask_phone("+861065529988") == "010****9988"


def test_display_and_search_forms():
    assert display_phone("+8613812345678") == "138 1234 5678"
    assert phone_search_digits("+86 138-1234-5678") == "13812345678"


def test_mobile_digits_without_parsing_are_what_phonenumbers_gives():
    # national_digits skips phonenumbers for +86 mobiles (the queue masks 50 a page): the same digits
    import re

    import phonenumbers

    from huifang.core.phones import national_digits

    for e164 in ("+8613812345678", "+8619912345678", "+8617012345678", "+8614512345678", "+862165529988"):
        national = phonenumbers.format_number(phonenumbers.parse(e164, "CN"), phonenumbers.PhoneNumberFormat.NATIONAL)
        assert national_digits(e164) == re.sub(r"\D", "", national)


def test_bare_mobile_shortcut_gives_what_the_full_parse_gives():
    # given every mainland mobile prefix 130-199, each with a few subscriber numbers (known and unknown ranges)
    import random

    from huifang.core.phones import mainland_mobile_e164, parse_phone_by_shape

    rng = random.Random(18)
    numbers = [f"{prefix}{rng.randrange(10**8):08d}" for prefix in range(130, 200) for _ in range(12)]
    numbers += [f"{prefix}00000000" for prefix in range(130, 200)] + [f"{prefix}99999999" for prefix in range(130, 200)]
    checked = 0
    for text in numbers:
        # when
        fast = mainland_mobile_e164(text)
        # then: the import's shortcut agrees with phonenumbers' full parse (179… is left to the parser)
        if text.startswith("179"):
            assert fast is None
            continue
        full = parse_phone_by_shape(text)
        assert fast == (full.e164, full.unverified), text
        checked += 1
    assert checked == len(numbers) - 14
    assert mainland_mobile_e164("0755-88881234") is None
    assert mainland_mobile_e164("1381234567") is None
