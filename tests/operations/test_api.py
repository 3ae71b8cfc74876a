"""Operations API: reads and the sign-up/attendance actions, store-scoped, in the OpenAPI schema."""

import pytest

from huifang.operations import services
from huifang.operations.choices import SignupStatus

from .conftest import NOW
from .factories import ClubEventFactory, ClubLevelFactory, ClubMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(store, director):
    return ClubEventFactory(store=store, capacity=1, created_by=director)


@pytest.fixture
def members(store):
    level = ClubLevelFactory(store=store)
    return [ClubMemberFactory(level=level, customer__name=n) for n in ("甲", "乙")]


def test_sign_up_and_attendance_through_the_api(client, store, specialist, event, members, frozen_clock):
    client.force_login(specialist)
    base = f"/api/operations/stores/{store.pk}/events/{event.pk}"
    first = client.post(
        f"{base}/signups", {"member_id": members[0].pk, "source": "front_desk"}, content_type="application/json"
    )
    second = client.post(f"{base}/signups", {"member_id": members[1].pk}, content_type="application/json")
    assert (first.status_code, first.json()["status"]) == (201, SignupStatus.CONFIRMED)
    assert second.json()["status"] == SignupStatus.WAITLISTED
    came = client.post(
        f"{base}/signups/{members[0].pk}/attendance", {"attended": True}, content_type="application/json"
    )
    assert came.json()["attended"] is True
    refused = client.post(
        f"{base}/signups/{members[1].pk}/attendance", {"attended": True}, content_type="application/json"
    )
    assert refused.status_code == 422
    detail = client.get(base).json()
    assert [(s["customer_name"], s["status"]) for s in detail["signups"]] == [
        ("甲", SignupStatus.CONFIRMED),
        ("乙", SignupStatus.WAITLISTED),
    ]


def test_reads_and_outsider_404(client, store, specialist, manager, outsider, event, members, frozen_clock):
    services.lounge_items_ensure_defaults(store=store)
    client.force_login(manager)
    lounge = client.get(f"/api/operations/stores/{store.pk}/lounge", {"month": "2026-03"}).json()
    assert lounge["missing"][0] == "2026-03-01" and len(lounge["missing"]) == 17
    staffing = client.get(f"/api/operations/stores/{store.pk}/staffing", {"month": "2026-02"}).json()
    assert staffing["suggested"]["formula"] == "1+1+1" and staffing["showroom_sales_source"] == "vehicles"
    stats = client.get(f"/api/operations/stores/{store.pk}/customer-statistics", {"year": 2026}).json()
    assert [b["key"] for b in stats["blocks"]] == ["sales", "first_visits", "lost"]
    assert client.get(f"/api/operations/stores/{store.pk}/events").json()[0]["capacity"] == 1
    # a manager reads but may not sign up
    post = client.post(
        f"/api/operations/stores/{store.pk}/events/{event.pk}/signups",
        {"member_id": members[0].pk},
        content_type="application/json",
    )
    assert post.status_code == 403
    client.force_login(outsider)
    for path in ("lounge", "events", f"events/{event.pk}", "staffing", "customer-statistics"):
        assert client.get(f"/api/operations/stores/{store.pk}/{path}").status_code == 404, path


def test_operations_routes_are_in_the_schema(client, specialist):
    client.force_login(specialist)
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/operations/stores/{store_id}/events/{event_id}/signups" in paths
    assert "/api/operations/stores/{store_id}/events/{event_id}/signups/{member_id}/attendance" in paths
    assert "/api/operations/stores/{store_id}/staffing" in paths


def test_signup_after_start_is_refused(client, store, specialist, members, frozen_clock):
    past = ClubEventFactory(store=store, starts_at=NOW)
    client.force_login(specialist)
    response = client.post(
        f"/api/operations/stores/{store.pk}/events/{past.pk}/signups",
        {"member_id": members[0].pk},
        content_type="application/json",
    )
    assert response.status_code == 422


def test_a_bad_month_is_422_naming_the_field(client, store, specialist):
    client.force_login(specialist)
    for bad in ("2026-13", "March", "2026"):
        response = client.get(f"/api/operations/stores/{store.pk}/lounge", {"month": bad})
        assert response.status_code == 422, bad
        assert [item["loc"][-1] for item in response.json()["detail"]] == ["month"]
