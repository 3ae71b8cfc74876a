import csv
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db.models import Count, F, Sum
from openpyxl import load_workbook

from huifang.accounts.choices import Role
from huifang.accounts.models import Membership, Store, User
from huifang.archive.choices import ActivityState, CustomerKind, RepairOrderType
from huifang.archive.demo import DemoGenerator, write_dms_file
from huifang.archive.importing.fields import FIELDS, match_headers
from huifang.archive.models import Customer, RepairOrder, RepairOrderLine, Vehicle
from huifang.core.vehicle_ids import normalize_plate, normalize_vin

TODAY = date(2026, 11, 25)
SMALL = "150"


@pytest.fixture
def seeded(db, settings):
    # Ten demo users: a fast hasher keeps the fixture about the data, not PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = StringIO()
    call_command("seed_demo", "--customers", SMALL, "--seed", "7", "--if-empty", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_both_stores_and_a_user_for_every_role(seeded):
    # then: every role has a demo login with the demo password
    assert set(Store.objects.values_list("code", flat=True)) >= {"SZ01", "GZ01"}
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    for username in ("specialist", "advisor", "svcmanager", "director", "group", "oem", "admin", "gz_specialist"):
        assert User.objects.get(username=username).check_password(settings.DEMO_PASSWORD), username
    assert User.objects.get(username="admin").is_superuser
    gz = User.objects.get(username="gz_specialist").memberships.get()
    assert (gz.role, gz.store.code) == (Role.CARE_SPECIALIST, "GZ01")
    # and the big store has the customers asked for, the second a fifth of them
    assert Customer.objects.filter(store__code="SZ01").count() == int(SMALL)
    assert Customer.objects.filter(store__code="GZ01").count() == int(SMALL) // 5
    assert "Demo data ready" in seeded


def test_seeded_vehicles_carry_valid_vins_and_plates(seeded):
    vehicles = list(Vehicle.objects.values_list("vin", "plate"))
    assert len(vehicles) > int(SMALL)
    for vin, plate in vehicles:
        assert normalize_vin(vin) == vin
        assert normalize_plate(plate) == plate
    assert any(len(plate) == 8 for _, plate in vehicles), "no new-energy plate"


def test_seeded_customers_are_searchable_and_some_are_companies_with_contacts(seeded):
    company = Customer.objects.filter(kind=CustomerKind.COMPANY).annotate(n=Count("contacts")).first()
    assert company is not None and company.n >= 1
    person = Customer.objects.filter(kind=CustomerKind.INDIVIDUAL).exclude(mobile="").first()
    assert person.name_initials and person.name_pinyin
    assert person.mobile[3:] in person.phone_digits


def test_repair_order_totals_are_labour_plus_parts_and_match_the_lines(seeded):
    # then: the header amounts add up, and the lines of each kind add up to them
    orders = list(RepairOrder.objects.all())
    assert not RepairOrder.objects.exclude(total_amount=F("labour_amount") + F("parts_amount")).exists()
    sums = RepairOrderLine.objects.values("repair_order", "kind").annotate(total=Sum("amount"))
    expected = {(o.pk, "labour"): o.labour_amount for o in orders} | {(o.pk, "part"): o.parts_amount for o in orders}
    for row in sums:
        assert Decimal(row["total"]) == expected[(row["repair_order"], row["kind"])]


def test_every_repair_order_type_repeat_repairs_and_lost_customers_exist(seeded):
    assert set(RepairOrder.objects.values_list("ro_type", flat=True)) == set(RepairOrderType.values)
    repeats = RepairOrder.objects.filter(is_repeat_repair=True)
    assert repeats.exists()
    assert RepairOrder.objects.filter(is_appointment=True).exists()
    assert RepairOrder.objects.filter(total_amount__gt=5000).exists()
    assert Vehicle.objects.filter(activity=ActivityState.LOST).exists()
    # and orders of the advisor who has a login point at that user
    advisor = User.objects.get(username="advisor")
    assert RepairOrder.objects.filter(advisor=advisor, advisor_name=advisor.display_name).exists()


def test_seed_demo_if_empty_creates_nothing_the_second_time(seeded):
    # given a seeded database
    before = (Customer.objects.count(), Vehicle.objects.count(), RepairOrder.objects.count(), User.objects.count())
    out = StringIO()
    # when
    call_command("seed_demo", "--customers", SMALL, "--if-empty", stdout=out)
    # then
    after = (Customer.objects.count(), Vehicle.objects.count(), RepairOrder.objects.count(), User.objects.count())
    assert after == before
    assert "not loaded" in out.getvalue()


def _fingerprint(seed: int) -> list:
    return [
        (c.name, c.mobile, v.vin, v.plate, [(o.number, o.ro_type, o.total_fen) for o in v.orders])
        for c in DemoGenerator(seed=seed, today=TODAY).customers(80)
        for v in c.vehicles
    ]


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not():
    assert _fingerprint(5) == _fingerprint(5)
    assert _fingerprint(5) != _fingerprint(6)


def test_generated_maintenance_follows_mileage_and_ro_numbers_are_unique():
    numbers = []
    for c in DemoGenerator(seed=3, today=TODAY).customers(300):
        for v in c.vehicles:
            km = [o.mileage_in for o in v.orders]
            assert km == sorted(km)
            numbers += [o.number for o in v.orders]
            for o in v.orders:
                assert TODAY.isoformat().replace("-", "") >= o.number[2:10]
                assert 8 <= o.opened_at.hour <= 17
    assert len(numbers) == len(set(numbers))


def test_write_dms_file_writes_a_gbk_csv_with_chinese_headers(tmp_path):
    # given
    path = tmp_path / "dms.csv"
    # when
    counts = write_dms_file(
        path, DemoGenerator(seed=1, today=TODAY).customers(200), fmt="csv", encoding="gbk", ro_count=120
    )
    # then: a Chinese Excel user could open it, and every column maps to a canonical field
    with path.open(encoding="gbk", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    assert header == [f.label_zh for f in FIELDS]
    mapping, unmatched = match_headers(header)
    assert not unmatched and len(mapping) == len(FIELDS)
    assert counts["repair_orders"] == 120
    assert len(rows) - 1 == counts["rows"]
    column = {f.name: i for i, f in enumerate(FIELDS)}
    assert len({r[column["ro_number"]] for r in rows[1:]}) == 120
    first = rows[1]
    assert normalize_vin(first[column["vin"]])
    assert first[column["ro_type"]] in {"首保", "定保", "一般维修", "索赔", "事故车", "召回", "其他"}
    # and the line amounts of each order add up to its total
    totals: dict[str, Decimal] = {}
    for r in rows[1:]:
        totals[r[column["ro_number"]]] = totals.get(r[column["ro_number"]], Decimal(0)) + Decimal(
            r[column["line_amount"]]
        )
        assert Decimal(r[column["total_amount"]]) == Decimal(r[column["labour_amount"]]) + Decimal(
            r[column["parts_amount"]]
        )
    for r in rows[1:]:
        assert totals[r[column["ro_number"]]] == Decimal(r[column["total_amount"]])


def test_write_dms_file_writes_xlsx_with_chinese_headers(tmp_path):
    path = tmp_path / "dms.xlsx"
    counts = write_dms_file(path, DemoGenerator(seed=1, today=TODAY).customers(10), fmt="xlsx", headers="zh")
    sheet = load_workbook(path, read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [f.label_zh for f in FIELDS]
    assert len(rows) - 1 == counts["rows"] > 0


def test_write_dms_file_can_use_english_headers(tmp_path):
    path = tmp_path / "dms_en.csv"
    write_dms_file(path, DemoGenerator(seed=1, today=TODAY).customers(5), headers="en")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == [f.label_en for f in FIELDS]
