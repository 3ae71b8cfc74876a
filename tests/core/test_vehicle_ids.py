import pytest

from huifang.core.vehicle_ids import IdentifierError, normalize_plate, normalize_vin, vin_check_digit


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1M8GDM9AXKP042788", "1M8GDM9AXKP042788"),  # the textbook example, check digit X
        (" lsvab6ne0r0000001 ".replace("0r", "0R"), None),
        ("1m8gdm9a xkp042788", "1M8GDM9AXKP042788"),
        ("１M8GDM9AXKP042788", "1M8GDM9AXKP042788"),  # full-width digit
    ],
)
def test_valid_vins_are_normalised(raw, expected):
    # given a VIN with a correct check digit (or the factory's one)
    if expected is None:
        vin = raw.strip().upper()
        expected = vin[:8] + vin_check_digit(vin) + vin[9:]
        raw = expected.lower()
    # when / then
    assert normalize_vin(raw) == expected


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("1M8GDM9A1KP042788", "check digit"),
        ("1M8GDM9AXKP04278", "17"),
        ("1M8GDM9AXKP0427889", "17"),
        ("1M8GDM9AXKP04278O", "invalid characters"),
        ("", "17"),
    ],
)
def test_bad_vins_say_why(raw, reason):
    with pytest.raises(IdentifierError, match=reason):
        normalize_vin(raw)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("粤B12345", "粤B12345"),
        ("粤b·12345", "粤B12345"),
        ("京A 8K2Q7", "京A8K2Q7"),
        ("粤BD12345", "粤BD12345"),  # small new-energy car, 8 characters
        ("粤BFA1234", "粤BFA1234"),
        ("沪A12345D", "沪A12345D"),  # large new-energy vehicle
        ("粤B1234学", "粤B1234学"),
        ("粤Z1234港", "粤Z1234港"),
    ],
)
def test_chinese_plates_are_accepted(raw, expected):
    assert normalize_plate(raw) == expected


@pytest.mark.parametrize("raw", ["B12345", "粤B1234", "粤B123456789", "AB12345", "粤BI2345", "粤B12O45", ""])
def test_malformed_plates_are_rejected(raw):
    with pytest.raises(IdentifierError, match="plate"):
        normalize_plate(raw)
