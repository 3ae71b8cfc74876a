from datetime import UTC, datetime, timedelta

import pytest

from huifang.board import rules

T = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "shown"),
    [("张三", "张**"), ("张三丰", "张**"), ("欧阳娜娜", "欧**"), ("张", "张**"), ("  李四 ", "李**"), ("", "—")],
)
def test_names_keep_the_family_name_only(name, shown):
    assert rules.mask_name(name) == shown


@pytest.mark.parametrize(("typed", "code"), [("abcd-efgh", "ABCDEFGH"), (" AB CD EF GH ", "ABCDEFGH"), ("", "")])
def test_codes_ignore_case_spaces_and_dashes(typed, code):
    assert rules.normalise_code(typed) == code


@pytest.mark.parametrize(
    ("left", "band"),
    [(None, "none"), (timedelta(0), "overdue"), (timedelta(minutes=-1), "overdue"),
     (timedelta(hours=3, minutes=59), "soon"), (timedelta(hours=4), "later")],
)  # fmt: skip
def test_time_left_bands(left, band):
    assert rules.time_left_band(left, soon=timedelta(hours=4)) == band


def test_pairing_code_usable_only_before_expiry_and_unrevoked():
    assert rules.pairing_usable(expires_at=T + timedelta(seconds=1), revoked_at=None, now=T)
    assert not rules.pairing_usable(expires_at=T, revoked_at=None, now=T)
    assert not rules.pairing_usable(expires_at=None, revoked_at=None, now=T)
    assert not rules.pairing_usable(expires_at=T + timedelta(hours=1), revoked_at=T, now=T)


def test_digest_is_stable_and_not_the_secret():
    assert rules.digest("ABC") == rules.digest("ABC") != rules.digest("ABD")
    assert "ABC" not in rules.digest("ABC")
