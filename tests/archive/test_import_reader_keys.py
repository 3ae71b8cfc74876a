"""Customers' search keys worked out in the reader process (issue 18 §2): the importing process computes none
it was sent, and the stored pinyin, initials and phone digits are those of reading in the importing process."""

import itertools
import shutil

import pypinyin
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from huifang.archive import search_keys
from huifang.archive.models import Customer

from ..factories import StoreFactory
from . import test_import_reader
from .test_import_hostile import HEADERS, csv_bytes, row
from .test_import_reader import DATA, imported, in_process, none_left
from .test_import_streaming import SAMPLES, archive, outcome

readers = test_import_reader.readers  # the fixture: every file read apart, by a forked reader

KEYS = ("name", "name_pinyin", "name_initials", "phone_digits")


def fresh_caches() -> None:
    search_keys.name_keys.cache_clear()
    search_keys._national_digits.cache_clear()


def search_columns(store) -> list[tuple]:
    return sorted(Customer.objects.filter(store=store).values_list(*KEYS))


@pytest.fixture
def computed(monkeypatch):
    """The names pypinyin and the numbers phonenumbers' path are given in this (the importing) process, and the
    names and numbers a reader sent it. A forked reader has its own copy of the lists."""
    seen = {"pinyin": [], "digits": [], "sent_names": set(), "sent_numbers": set()}
    lazy_pinyin, national_digits, learn = pypinyin.lazy_pinyin, search_keys.national_digits, search_keys.KnownKeys.learn

    def counted_pinyin(name, *args, **kwargs):
        seen["pinyin"].append(name)
        return lazy_pinyin(name, *args, **kwargs)

    def counted_digits(number):
        seen["digits"].append(number)
        return national_digits(number)

    def recorded_learn(self, names, digits):
        seen["sent_names"].update(names)
        seen["sent_numbers"].update(digits)
        learn(self, names, digits)

    monkeypatch.setattr(pypinyin, "lazy_pinyin", counted_pinyin)
    monkeypatch.setattr(search_keys, "national_digits", counted_digits)
    monkeypatch.setattr(search_keys.KnownKeys, "learn", recorded_learn)
    fresh_caches()
    yield seen
    fresh_caches()


@pytest.mark.django_db
@pytest.mark.parametrize("name", SAMPLES)
def test_the_importing_process_computes_no_key_the_reader_sent(readers, computed, monkeypatch, tmp_path, name):
    # given a vendor sample, with empty caches
    path = shutil.copy(DATA / name, tmp_path / name)
    # when it is read in a reader process
    batch, _ = imported(StoreFactory(code="A01"), path, batch_rows=7)
    # then the reader sent the names and numbers, and none of them was computed here
    assert computed["sent_names"] and computed["sent_numbers"]
    assert not computed["sent_names"] & set(computed["pinyin"])
    assert not computed["sent_numbers"] & set(computed["digits"])
    assert none_left(readers)
    # and read in the importing process (caches emptied), the same names are computed here: the count works
    fresh_caches()
    with monkeypatch.context() as local:
        in_process(local)
        one, _ = imported(StoreFactory(code="H01"), path, batch_rows=7)
    assert computed["sent_names"] <= set(computed["pinyin"])
    assert outcome(one) == outcome(batch)


def imported_both_ways(monkeypatch, path, *, here, apart, batch_rows):
    """(in the importing process into `here`, in a reader process into `apart`), each from empty caches."""
    fresh_caches()
    two, _ = imported(apart, path, batch_rows=batch_rows)
    fresh_caches()
    with monkeypatch.context() as local:
        in_process(local)
        one, _ = imported(here, path, batch_rows=batch_rows)
    return one, two


@pytest.mark.django_db
@pytest.mark.parametrize("name", SAMPLES)
def test_the_stored_keys_are_those_computed_in_process(readers, monkeypatch, tmp_path, name):
    # given a vendor sample
    path = shutil.copy(DATA / name, tmp_path / name)
    here, apart = StoreFactory(code="H01"), StoreFactory(code="A01")
    # when it is read in a reader process and in the importing process, each with empty caches
    one, two = imported_both_ways(monkeypatch, path, here=here, apart=apart, batch_rows=100_000)
    # then the search keys (and everything else) are the same
    assert search_columns(apart) == search_columns(here) and search_columns(here)
    assert outcome(two) == outcome(one) and archive(apart) == archive(here)


NAMES = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00\r\n"), min_size=1, max_size=12),
    st.text(st.sampled_from("张王李赵刘陈杨黄何春蓉长行重乐单曾A车队 ·-0123abcXYZ"), min_size=1, max_size=8),
)
LANDLINES = st.one_of(
    st.builds(
        "{}-{}".format,
        st.sampled_from(["010", "0755", "021", "0571", "400", "852"]),
        st.from_regex(r"\d{7,8}", fullmatch=True),
    ),
    st.from_regex(r"\+?\d{5,13}", fullmatch=True),
    st.sampled_from(["", "12345", "0755 2834 7833", "+85291234567"]),
)
HERE_HEADERS = [*HEADERS, "家庭电话", "单位电话", "司机名称", "司机电话"]
_stores = itertools.count()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(st.tuples(NAMES, LANDLINES, LANDLINES, LANDLINES), min_size=1, max_size=12))
@pytest.mark.django_db
def test_made_up_names_and_phones_keep_their_keys(readers, monkeypatch, tmp_path, people):
    # given a file of made-up names, home, office and driver phones (several customers share each one)
    rows = [
        [*row(n, 客户名称=name), home, office, "司机" if driver else "", driver]
        for n, (name, home, office, driver) in enumerate(people * 2, start=1)
    ]
    path = tmp_path / "made_up.csv"
    path.write_bytes(csv_bytes(rows, headers=HERE_HEADERS))
    n = next(_stores)
    here, apart = StoreFactory(code=f"H{n:03d}"), StoreFactory(code=f"A{n:03d}")
    # when it is read in a reader process and in the importing process, each with empty caches
    one, two = imported_both_ways(monkeypatch, path, here=here, apart=apart, batch_rows=5)
    # then
    assert outcome(two) == outcome(one)
    assert search_columns(apart) == search_columns(here)


def test_a_key_that_fails_in_the_reader_is_left_to_the_importing_process(monkeypatch):
    # given a number whose digits cannot be worked out
    def failing(number):
        if number == "+861012345678":
            raise ValueError("no")
        return "13812345678"

    monkeypatch.setattr(search_keys, "national_digits", failing)
    fresh_caches()
    # when the reader works the keys out
    names, digits = search_keys.worked_out(["张三"], ["+8613812345678", "+861012345678"])
    fresh_caches()
    # then that number is not sent (computed, and failing, in the importing process as before); the rest is
    assert names == {"张三": ("zhangsan", "zs")} and digits == {"+8613812345678": "13812345678"}
