"""客户细分 (seed 002): spend, paid visits (free service, warranty, insurance excluded), club level, type."""

from decimal import Decimal

import pytest

from huifang.archive.choices import CustomerKind, RepairOrderType
from huifang.operations.selectors import customers_in_segment, members_in_segment

from ..factories import CustomerFactory, RepairOrderFactory, VehicleFactory
from .factories import ClubLevelFactory, ClubMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(store, other_store):
    w = {}
    # 王: 2 maintenance + 1 repair (paid, 600 + 600 + 1000) and one of each unpaid type (not counted).
    w["wang"] = CustomerFactory(store=store, name="王")
    car = VehicleFactory(customer=w["wang"])
    for ro_type, amount in (
        (RepairOrderType.MAINTENANCE, "600"),
        (RepairOrderType.MAINTENANCE, "600"),
        (RepairOrderType.REPAIR, "1000"),
        (RepairOrderType.FIRST_FREE_SERVICE, "0"),
        (RepairOrderType.WARRANTY, "5000"),
        (RepairOrderType.INSURANCE, "8000"),
    ):
        RepairOrderFactory(vehicle=car, ro_type=ro_type, total_amount=Decimal(amount))
    # 李 (a company): 1 paid repair of 300.
    w["li"] = CustomerFactory(store=store, name="李", kind=CustomerKind.COMPANY)
    RepairOrderFactory(vehicle__customer=w["li"], ro_type=RepairOrderType.REPAIR, total_amount=Decimal("300"))
    # 周: only free service and warranty: 0 paid visits.
    w["zhou"] = CustomerFactory(store=store, name="周")
    RepairOrderFactory(vehicle__customer=w["zhou"], ro_type=RepairOrderType.FIRST_FREE_SERVICE, total_amount=0)
    RepairOrderFactory(vehicle__customer=w["zhou"], ro_type=RepairOrderType.WARRANTY, total_amount=Decimal("900"))
    # Another store's big spender never appears.
    RepairOrderFactory(vehicle__customer=CustomerFactory(store=other_store), total_amount=Decimal("99999"))
    return w


def test_paid_visits_and_spend_exclude_free_service_warranty_and_insurance(store, world):
    rows = {c.name: (c.paid_visits, c.spend) for c in customers_in_segment(store=store)}
    assert rows == {"王": (3, Decimal("2200")), "李": (1, Decimal("300")), "周": (0, Decimal("0"))}


@pytest.mark.parametrize(
    ("segment", "names"),
    [
        ({"paid_visits_min": 3}, ["王"]),
        ({"paid_visits_min": 4}, []),
        ({"paid_visits_max": 0}, ["周"]),
        ({"paid_visits_min": 1, "paid_visits_max": 1}, ["李"]),
        ({"spend_min": Decimal("300")}, ["李", "王"]),
        ({"spend_max": Decimal("299.99")}, ["周"]),
        ({"kind": CustomerKind.COMPANY}, ["李"]),
    ],
)
def test_segment_filters(store, world, segment, names):
    assert sorted(c.name for c in customers_in_segment(store=store, **segment)) == sorted(names)


def test_club_level_filter_and_members_in_segment(store, world):
    gold = ClubLevelFactory(store=store, name="金卡")
    silver = ClubLevelFactory(store=store, name="银卡")
    ClubMemberFactory(level=gold, customer=world["wang"])
    ClubMemberFactory(level=silver, customer=world["li"])
    assert [c.name for c in customers_in_segment(store=store, club_level=gold)] == ["王"]
    members = members_in_segment(store=store, club_level=silver, paid_visits_min=1)
    assert [m.customer.name for m in members] == ["李"]
    assert list(members_in_segment(store=store, club_level=silver, paid_visits_min=2)) == []


def test_segment_is_one_query(store, world, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(customers_in_segment(store=store, paid_visits_min=1, spend_min=Decimal("1")))
