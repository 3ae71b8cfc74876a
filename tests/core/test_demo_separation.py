"""Demo and production apart: the demo writes only into the stores it created, never into a real store."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import ForeignKey

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.archive.demo import demo_seed
from huifang.archive.demo.seeding import DemoRefused
from huifang.audit.models import AuditEntry
from huifang.core import clock
from tests.factories import CustomerFactory, RepairOrderFactory, StoreFactory, VehicleFactory, member

pytestmark = pytest.mark.django_db

DEMO_CUSTOMERS = "40"


def _store_row_counts(store: Store) -> dict[str, int]:
    """Rows of every table that belongs to a store (a foreign key named `store` to accounts.Store)."""
    counts = {}
    for model in apps.get_models():
        try:
            field = model._meta.get_field("store")
        except Exception:  # noqa: BLE001 - models without a store field do not belong to a store
            continue
        if isinstance(field, ForeignKey) and field.related_model is Store:
            counts[model._meta.label] = model.objects.filter(store=store).count()
    counts["audit entries"] = AuditEntry.objects.filter(store=store).count()
    return counts


def _real_store_with_data() -> Store:
    store = StoreFactory(code="HZ09", name="杭州真实门店")
    member(store, Role.CARE_DIRECTOR, username="real_director")
    for n in range(3):
        customer = CustomerFactory(store=store)
        vehicle = VehicleFactory(store=store, customer=customer)
        RepairOrderFactory(store=store, vehicle=vehicle, customer=customer, number=f"RO-REAL-{n}")
    return store


def test_make_runs_demo_path_twice_leaves_a_real_store_untouched():
    # given a demo database (make run once) into which a real store with its own archive was added
    call_command("prepare_demo", "--customers", DEMO_CUSTOMERS, stdout=StringIO())
    real = _real_store_with_data()
    before = _store_row_counts(real)
    users_before = User.objects.count()
    # when make run's demo path runs twice more
    call_command("prepare_demo", "--customers", DEMO_CUSTOMERS, stdout=StringIO())
    call_command("prepare_demo", "--customers", DEMO_CUSTOMERS, stdout=StringIO())
    # then not one row of the real store changed, and no user was added
    assert _store_row_counts(real) == before
    assert before["archive.Customer"] == 3
    assert User.objects.count() == users_before
    # and the demo stores did get their history (so the comparison above could have failed)
    demo = Store.objects.get(code="SZ01")
    assert demo.is_demo
    assert _store_row_counts(demo)["workbench.CallRecord"] > 0
    assert not real.is_demo


def test_demo_refuses_a_production_database_and_creates_no_superuser():
    # given a database that holds only a real store
    _real_store_with_data()
    # when the demo path runs on it
    with pytest.raises(CommandError, match="HZ09"):
        call_command("prepare_demo", "--customers", DEMO_CUSTOMERS, stdout=StringIO())
    with pytest.raises(CommandError, match="no demo store"):
        call_command("seed_demo", "--customers", DEMO_CUSTOMERS, stdout=StringIO())
    # then no demo store, no demo user and no superuser with the public demo password exists
    assert not Store.objects.filter(is_demo=True).exists()
    assert not User.objects.filter(is_superuser=True).exists()
    assert not User.objects.filter(username="admin").exists()


def test_demo_does_not_take_over_a_real_store_with_a_demo_code():
    # given a real store that happens to use the demo's code SZ01, in an otherwise empty database
    StoreFactory(code="SZ01", name="真实的SZ01")
    # when the demo is seeded
    with pytest.raises(DemoRefused):
        demo_seed(customers=10, seed=1, today=clock.today())
    # then nothing of the demo was written
    assert Store.objects.count() == 1
    assert not User.objects.filter(username="admin").exists()


def test_demo_history_refuses_a_real_store():
    # given the demo and a real store
    call_command("seed_demo", "--customers", "20", stdout=StringIO())
    real = _real_store_with_data()
    # when asked to write demo history into the real store
    with pytest.raises(CommandError, match="not a demo store"):
        call_command("seed_demo_history", "--store", real.code, stdout=StringIO())
    # then it has no calls
    assert real.call_records.count() == 0


def test_seed_demo_marks_its_stores_as_demo_stores():
    # when the demo is seeded into an empty database
    out = StringIO()
    call_command("seed_demo", "--customers", "20", stdout=out)
    # then both of its stores, and only they, are demo stores
    assert sorted(Store.objects.filter(is_demo=True).values_list("code", flat=True)) == ["GZ01", "SZ01"]
    assert User.objects.get(username="admin").is_superuser


def test_prepare_demo_says_it_is_the_demo(settings):
    # given the demo password
    settings.DEMO_PASSWORD = "pw-for-test"
    out = StringIO()
    # when make run prepares the demo
    call_command("prepare_demo", "--customers", "20", stdout=out)
    # then the terminal says it is the demo, with the password
    assert "DEMO 演示模式" in out.getvalue()
    assert "pw-for-test" in out.getvalue()


def test_every_page_says_demo_only_in_demo_mode(client, settings, store):
    # given the demo mode of make run
    settings.DEMO_MODE = True
    settings.DEMO_PASSWORD = "pw-for-test"
    # when the login page is shown
    page = client.get("/login/").content.decode()
    # then the badge and the demo password are on it
    assert 'class="demo-badge"' in page
    assert "pw-for-test" in page
    # and in production mode neither is
    settings.DEMO_MODE = False
    page = client.get("/login/").content.decode()
    assert 'class="demo-badge"' not in page
    assert "pw-for-test" not in page
