"""The import's per-row shortcuts give what the general path gives: a name's pinyin cached per name, an order
line's tuple made once per parsed line dict, a contacts dict merged once per slot, the new-customer-name check and
the vehicle owner step in one pass, a shared JSON value dumped once per write, consent records as plain rows."""

import json
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from huifang.archive import search_keys
from huifang.archive.choices import ImportStatus
from huifang.archive.importing import bulk
from huifang.archive.importing.services import dms_import_file
from huifang.archive.models import Contact, Customer, RepairOrder, RepairOrderLine, Vehicle
from huifang.audit.models import AuditEntry
from huifang.core.phones import national_digits
from huifang.messaging.models import ConsentRecord

from ..factories import make_vin
from .test_import_service import write_csv

NAMES = st.one_of(
    st.text(st.characters(codec=None, categories=None), max_size=12),
    st.text(st.sampled_from("张王李赵刘陈杨黄何春蓉长行重乐单曾A车队 ·-0123abcXYZ"), max_size=8),
)


def two_pass_keys(name):
    """The name's keys as pypinyin gives them in two passes, plain style then first letters (the reference)."""
    from pypinyin import Style, lazy_pinyin

    pinyin = "".join(lazy_pinyin(name or "", errors="default")).lower()
    initials = "".join(lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors=lambda chars: list(chars))).lower()
    return re.sub(r"[^0-9a-z]+", "", pinyin), re.sub(r"[^0-9a-z]+", "", initials)


@settings(max_examples=300, deadline=None)
@given(names=st.lists(NAMES, min_size=1, max_size=6))
def test_cached_name_keys_are_the_uncached_ones(names):
    # when: each name asked twice (the second time from the cache)
    for name in [*names, *names]:
        # then: one pass gives both keys, as two passes of pypinyin do
        expected = two_pass_keys(name)
        assert search_keys.name_keys.__wrapped__(name) == expected
        assert (search_keys.name_pinyin(name), search_keys.name_initials(name)) == expected


@settings(max_examples=100, deadline=None)
@given(
    numbers=st.lists(
        st.sampled_from(
            ["+8675528347833", "+861012345678", "+8613812345678", "+864001234567", "+85291234567", "12345", ""]
        ),
        min_size=1,
        max_size=6,
    )
)
def test_cached_phone_digits_are_the_uncached_ones(numbers):
    # when: the numbers asked twice (the second time from the cache)
    for _ in range(2):
        # then
        assert search_keys.phone_digits(*numbers) == " ".join(
            d for d in (national_digits(n) for n in numbers if n) if d
        )


def test_the_name_caches_are_bounded():
    assert search_keys.name_keys.cache_info().maxsize == search_keys.NAME_CACHE_SIZE
    assert search_keys._national_digits.cache_info().maxsize == search_keys.NAME_CACHE_SIZE


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(st.characters(codec="utf-8"), max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    pool=st.lists(
        st.dictionaries(st.text(max_size=5), JSON, max_size=3) | st.lists(JSON, max_size=3), min_size=1, max_size=5
    ),
    picks=st.lists(st.integers(0, 4), min_size=1, max_size=30),
    fresh=st.data(),
)
def test_json_text_of_shared_and_fresh_values_is_json_dumps(pool, picks, fresh):
    # given: rows holding the pool's objects again and again, and fresh objects between them
    field = AuditEntry._meta.get_field("changes")
    convert = bulk._json_text(field)
    values = []
    for pick in picks:
        values.append(pool[pick % len(pool)])
        values.append(fresh.draw(st.dictionaries(st.text(max_size=5), JSON, max_size=3)))
    # when / then: every value's text is what json.dumps with the field's encoder gives
    for value in values:
        assert convert(value) == json.dumps(value, cls=field.encoder)


HEADERS = ["客户编号", "客户名称", "客户类型", "司机名称", "司机电话", "VIN", "工单号", "进厂时间", "进厂里程",
           "项目类型", "维修项目", "数量", "单价", "金额"]  # fmt: skip


def _row(code, name, driver_phone, vin, number, opened, km, line=("工时", "更换机油", "", "", "120")):
    return [code, name, "公司", "小王" if driver_phone else "", driver_phone, vin, number, opened, km, *line]


@pytest.mark.django_db
def test_a_contact_seen_again_after_another_value_takes_the_last_rows_value(store, tmp_path):
    # given: the driver's phone A, then B, then A again (the parser hands the first dict back for the third row)
    rows = [
        _row("K001", "某某公司", "13700000001", make_vin(1), "RO1", "2025-01-01", "1000"),
        _row("K001", "某某公司", "13700000002", make_vin(1), "RO2", "2025-02-01", "2000"),
        _row("K001", "某某公司", "13700000001", make_vin(1), "RO3", "2025-03-01", "3000"),
    ]
    # when
    batch = dms_import_file(store=store, path=write_csv(tmp_path / "dms.csv", HEADERS, rows))
    # then
    assert batch.status == ImportStatus.DONE, batch.error
    assert list(Contact.objects.values_list("name", "phone")) == [("小王", "+8613700000001")]


@pytest.mark.django_db
def test_orders_sharing_a_parsed_line_each_get_it_and_other_lines_keep_their_own(store, tmp_path):
    # given: the same line cells on two orders (one parsed dict), a line whose amount is worked out, and another
    rows = [
        _row("K001", "某某公司", "", make_vin(1), "RO1", "2025-01-01", "1000"),
        _row("K001", "某某公司", "", make_vin(1), "RO1", "2025-01-01", "1000", ("配件", "机滤", "2", "30.5", "")),
        _row("K001", "某某公司", "", make_vin(1), "RO2", "2025-02-01", "2000"),
        _row("K001", "某某公司", "", make_vin(1), "RO2", "2025-02-01", "2000", ("配件", "机滤", "3", "30.5", "")),
    ]
    # when
    batch = dms_import_file(store=store, path=write_csv(tmp_path / "dms.csv", HEADERS, rows))
    # then
    assert batch.status == ImportStatus.DONE, batch.error
    lines = RepairOrderLine.objects.order_by("repair_order__number", "position")
    assert [(ln.repair_order.number, ln.position, ln.description, ln.quantity, ln.amount) for ln in lines] == [
        ("RO1", 1, "更换机油", Decimal("1.00"), Decimal("120.00")),
        ("RO1", 2, "机滤", Decimal("2.00"), Decimal("61.00")),
        ("RO2", 1, "更换机油", Decimal("1.00"), Decimal("120.00")),
        ("RO2", 2, "机滤", Decimal("3.00"), Decimal("91.50")),
    ]
    assert list(RepairOrder.objects.order_by("number").values_list("total_amount", flat=True)) == [
        Decimal("181.00"),
        Decimal("211.50"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("nameless_first", [True, False])
def test_a_row_refused_for_a_nameless_new_customer_never_names_its_vehicles_owner(store, tmp_path, nameless_first):
    # given: one VIN on two orders, one of a named new customer and one of a new customer without a name
    named = _row("K001", "某某公司", "", make_vin(1), "RO1", "2025-01-01", "1000")
    nameless = _row("K002", "", "", make_vin(1), "RO2", "2025-02-01", "2000")
    rows = [nameless, named] if nameless_first else [named, nameless]
    # when
    batch = dms_import_file(store=store, path=write_csv(tmp_path / "dms.csv", HEADERS, rows))
    # then: the nameless row is refused for its name alone, and the vehicle belongs to the named customer
    assert batch.status == ImportStatus.DONE, batch.error
    assert batch.rows_rejected == 1
    nameless_row = 2 if nameless_first else 3
    assert [(r.row_number, r.reason) for r in batch.rejections.all()] == [
        (nameless_row, "新客户缺少客户名称 / customer name is required for a new customer")
    ]
    assert list(Customer.objects.values_list("dms_code", flat=True)) == ["K001"]
    assert Vehicle.objects.get().customer.dms_code == "K001"
    assert list(RepairOrder.objects.values_list("number", flat=True)) == ["RO1"]


@pytest.mark.django_db
def test_consent_records_and_their_audit_rows_match_record_by_record(store, tmp_path):
    # given: two customers, one accepting marketing and one refusing it
    headers = ["客户编号", "客户名称", "手机", "VIN", "工单号", "进厂时间", "接受营销信息"]
    rows = [
        ["C001", "张三", "13812345678", make_vin(1), "RO1", "2025-01-01", "是"],
        ["C002", "李四", "13912345678", make_vin(2), "RO2", "2025-01-02", "否"],
    ]
    # when
    batch = dms_import_file(store=store, path=write_csv(tmp_path / "dms.csv", headers, rows))
    # then: every record has its own audit row, with the record's text and fields as audit_entry() writes them
    assert batch.status == ImportStatus.DONE, batch.error
    records = list(ConsentRecord.objects.order_by("pk"))
    assert len(records) == 8
    audits = {a.object_id: a for a in AuditEntry.objects.filter(content_type__model="consentrecord", action="create")}
    assert sorted(audits) == [r.pk for r in records]
    for record in records:
        entry = audits[record.pk]
        assert entry.object_repr == str(record)[:200]
        assert entry.changes == {"channel": record.channel, "purpose": record.purpose, "state": record.state}
        assert entry.source == f"import #{batch.pk}"
        assert record.note == "" and record.recorded_by_id is None and record.at == entry.at
