"""The store calendar: settings, the store's own dates, one calendar object per store, the screens (English)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from huifang.audit.models import AuditEntry
from huifang.calendars import selectors, services
from huifang.calendars.models import StoreDay
from huifang.complaints.models import ComplaintPolicy
from huifang.core import clock
from huifang.followups.offering import store_in_quiet_hours

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)  # Wednesday
NINE_TO_SIX = (time(9), time(18))


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(clock, "today", lambda: NOW.date())


def signed_in(client, user):
    client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_new_store_opens_monday_to_friday_0830_to_1730(store):
    cal = selectors.calendar_for(store=store)
    assert cal.weekly == ((time(8, 30), time(17, 30)),) * 5 + (None, None)
    assert cal.follow_official


def test_weekly_hours_are_saved_and_audited(store, director):
    # when the director opens Saturdays
    week = (NINE_TO_SIX,) * 6 + (None,)
    row, changed = services.calendar_update(store=store, actor=director, now=NOW, weekly=week)
    # then
    assert changed
    assert row.weekly_hours[5] == ["09:00", "18:00"]
    assert selectors.calendar_for(store=store).is_open(date(2026, 11, 28))
    entry = AuditEntry.objects.get(object_id=row.pk, changes__has_key="weekly_hours")
    assert entry.changes["weekly_hours"][0][5] is None
    # saving the same again changes nothing
    assert services.calendar_update(store=store, actor=director, now=NOW, weekly=week)[1] is False


def test_a_store_never_open_is_refused(store, director):
    with pytest.raises(ValidationError):
        services.calendar_update(store=store, actor=director, now=NOW, weekly=(None,) * 7)


def test_store_days_are_set_changed_and_removed(store, other_store, director):
    # given the store opens on National Day 3 October with short hours
    services.store_day_save(
        store=store, actor=director, now=NOW, day=date(2026, 10, 3), is_open=True, opens=time(10), closes=time(16)
    )
    # when it changes its mind: closed after all
    services.store_day_save(store=store, actor=director, now=NOW, day=date(2026, 10, 3), is_open=False)
    # then one entry, closed, and the other store is not affected
    assert list(StoreDay.objects.values_list("store_id", "day", "is_open")) == [(store.pk, date(2026, 10, 3), False)]
    assert selectors.calendars_for(stores=[store, other_store])[other_store.pk].days == {}
    # when removed, the official holiday applies again
    assert services.store_day_delete(store=store, actor=director, now=NOW, day=date(2026, 10, 3))
    assert selectors.calendar_for(store=store).day(date(2026, 10, 3)).source == "holiday"
    assert AuditEntry.objects.filter(content_type__model="storeday").count() == 3


def test_next_working_day_for_reminders(store, director):
    # Friday 2 October 2026 (National Day week) → Thursday 8 October
    assert selectors.next_working_day(store=store, day=date(2026, 10, 2)) == date(2026, 10, 8)
    # after the store says it opens on Monday 5 October
    services.store_day_save(
        store=store, actor=director, now=NOW, day=date(2026, 10, 5), is_open=True, opens=time(9), closes=time(12)
    )
    assert selectors.next_working_day(store=store, day=date(2026, 10, 2)) == date(2026, 10, 5)


def test_a_closed_day_is_quiet_for_calls(store, director):
    # Saturday 28 November 10:00 (outside the messaging quiet hours) in a Monday–Friday store: quiet
    saturday = datetime(2026, 11, 28, 10, tzinfo=SH)
    assert store_in_quiet_hours(store=store, now=saturday)
    # once the store opens on Saturdays, calls may go out
    services.calendar_update(store=store, actor=director, now=NOW, weekly=(NINE_TO_SIX,) * 6 + (None,))
    assert not store_in_quiet_hours(store=store, now=saturday)
    # an open weekday at lunch time stays quiet (the messaging windows still apply)
    assert store_in_quiet_hours(store=store, now=datetime(2026, 11, 25, 12, 30, tzinfo=SH))


def test_migrated_policy_hours_seed_the_calendar():
    # the data migration copies a policy's 08:00–17:00 to Monday–Friday
    from importlib import import_module

    from django.apps import apps

    from ..factories import StoreFactory

    store = StoreFactory()
    ComplaintPolicy.objects.create(store=store)

    class Row:
        store_id = store.pk
        business_start = time(8)
        business_end = time(17)

    class FakePolicies:
        @staticmethod
        def all():
            return [Row()]

    class FakeApps:
        @staticmethod
        def get_model(app, name):
            return type("M", (), {"objects": FakePolicies}) if name == "ComplaintPolicy" else apps.get_model(app, name)

    migration = import_module("huifang.calendars.migrations.0002_hours_from_complaint_policy")
    migration.forwards(FakeApps, None)
    assert selectors.calendar_for(store=store).weekly[0] == (time(8), time(17))
    assert selectors.calendar_for(store=store).weekly[5] is None


# --- screens ----------------------------------------------------------------------------------------


def test_director_sets_a_store_day_on_the_screen(client, store, director):
    url = reverse("calendars:days", args=[store.pk])
    signed_in(client, director)
    page = client.get(url + "?year=2026").content.decode()
    assert "国庆节" in page and "official make-up workday" in page
    response = client.post(
        url, {"day": "2026-10-03", "is_open": "1", "opens": "10:00", "closes": "16:00", "note": "国庆值班"}
    )
    assert response.status_code == 302
    page = client.get(url + "?year=2026").content.decode()
    row = page[page.find('id="day-2026-10-03"') : page.find('id="day-2026-10-04"')]
    assert "open 10:00–16:00" in row and "the store's entry" in row
    # bad hours are refused
    bad = client.post(url, {"day": "2026-10-04", "is_open": "1", "opens": "16:00", "closes": "10:00"})
    assert bad.status_code == 422
    # removing the entry
    assert client.post(reverse("calendars:day_delete", args=[store.pk]), {"day": "2026-10-03"}).status_code == 302
    assert not StoreDay.objects.exists()


def test_2027_shows_the_fallback_warning(client, store, director):
    page = signed_in(client, director).get(reverse("calendars:days", args=[store.pk]) + "?year=2027")
    assert 'id="calendar-warning"' in page.content.decode()
    assert 'id="calendar-warning"' not in client.get(reverse("calendars:days", args=[store.pk])).content.decode()


def test_specialist_may_not_and_outsider_gets_404(client, store, specialist, outsider):
    url = reverse("calendars:days", args=[store.pk])
    assert signed_in(client, specialist).get(url).status_code == 403
    client.logout()
    outsider_director = outsider
    from huifang.accounts.choices import Role

    from ..factories import member

    boss = member(outsider_director.memberships.first().store, Role.CARE_DIRECTOR, username="boss_b")
    assert signed_in(client, boss).get(url).status_code == 404
    assert signed_in(client, boss).post(url, {"day": "2026-10-03", "is_open": "0"}).status_code == 404
    assert not StoreDay.objects.exists()
