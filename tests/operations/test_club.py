"""Car club (车友会): invitations through the outbox respecting opt-outs, capacity and waitlist, signed links."""

import time

import pytest
from django.core import signing
from django.urls import reverse

from huifang.messaging.choices import MessageChannel, MessageStatus, OptOutSource
from huifang.messaging.models import OutboxMessage
from huifang.messaging.services import optout_record
from huifang.operations import defaults, links, selectors, services
from huifang.operations.choices import SignupSource, SignupStatus
from huifang.operations.models import ClubMember, EventInvitation, EventSignup

from .conftest import NOW
from .factories import ClubEventFactory, ClubLevelFactory, ClubMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gold(store):
    return ClubLevelFactory(store=store, name="金卡会员", rank=3)


@pytest.fixture
def three(gold):
    return [ClubMemberFactory(level=gold, customer__name=name) for name in ("赵一", "钱二", "孙三")]


@pytest.fixture
def event(store, director):
    return ClubEventFactory(store=store, capacity=2, created_by=director)


def _link(event, member) -> str:
    return reverse("operations:public_signup", args=[links.signup_token(event_id=event.pk, member_id=member.pk)])


def test_three_invited_one_opted_out_of_sms_two_sms_go_out(store, specialist, event, three, now):
    # given: 孙三 opted out of SMS
    optout_record(customer=three[2].customer, channel=MessageChannel.SMS, source=OptOutSource.CALL, now=now)
    # when
    result = services.club_event_invite(
        event=event,
        members=ClubMember.objects.filter(pk__in=[m.pk for m in three]),
        channel=MessageChannel.SMS,
        actor=specialist,
        now=now,
        base_url="https://huifang.example.com/",
    )
    # then
    assert (result.queued, result.suppressed) == (2, 1)
    outgoing = OutboxMessage.objects.filter(store=store, channel=MessageChannel.SMS, status=MessageStatus.QUEUED)
    assert sorted(outgoing.values_list("customer__name", flat=True)) == ["赵一", "钱二"]
    assert OutboxMessage.objects.get(customer=three[2].customer).status == MessageStatus.SUPPRESSED_OPT_OUT
    body = outgoing.get(customer=three[0].customer).body
    assert "春季自驾游" in body and "https://huifang.example.com/operations/e/" in body
    # inviting again sends nothing new
    again = services.club_event_invite(
        event=event, members=three, channel=MessageChannel.SMS, actor=specialist, now=now, base_url="https://x/"
    )
    assert (again.queued, again.already) == (0, 3)
    assert OutboxMessage.objects.count() == 3 and EventInvitation.objects.count() == 3


def test_invite_screen_uses_the_segment_filter(client, store, specialist, event, three, gold, frozen_clock):
    # given: a member of another level who must not be invited
    other = ClubMemberFactory(level=ClubLevelFactory(store=store, name="普通会员", rank=1))
    client.force_login(specialist)
    # when
    response = client.post(
        reverse("operations:event_invite", args=[store.pk, event.pk]), {"channel": "sms", "club_level": gold.pk}
    )
    # then
    assert response.status_code == 302
    assert set(EventInvitation.objects.values_list("member_id", flat=True)) == {m.pk for m in three}
    assert not OutboxMessage.objects.filter(customer=other.customer).exists()


def test_capacity_two_third_sign_up_is_waitlisted_one_at_the_front_desk(
    client, store, specialist, event, three, frozen_clock
):
    # given: 赵一 signs up through the link, 钱二 at the front desk
    public = client.__class__()
    public.post(_link(event, three[0]))
    client.force_login(specialist)
    desk = client.post(reverse("operations:event_signup", args=[store.pk, event.pk]), {"member": three[1].pk})
    assert desk.status_code == 302
    # when: 孙三 signs up through the link
    public.post(_link(event, three[2]))
    page = public.get(_link(event, three[2]))
    # then
    statuses = dict(EventSignup.objects.values_list("member__customer__name", "status"))
    assert statuses == {"赵一": SignupStatus.CONFIRMED, "钱二": SignupStatus.CONFIRMED, "孙三": SignupStatus.WAITLISTED}
    assert EventSignup.objects.get(member=three[1]).source == SignupSource.FRONT_DESK
    assert 'data-state="waitlisted"' in page.content.decode()
    detail = client.get(reverse("operations:event_detail", args=[store.pk, event.pk]))
    assert [s.member.customer.name for s in detail.context["waitlisted"]] == ["孙三"]
    assert 'id="capacity">2 / 2<' in detail.content.decode()


def test_one_sign_up_per_member_and_a_freed_seat_goes_to_the_waitlist(store, specialist, event, three, now):
    first = services.event_signup_create(event=event, member=three[0], source=SignupSource.LINK, actor=None, now=now)
    again = services.event_signup_create(event=event, member=three[0], source=SignupSource.LINK, actor=None, now=now)
    services.event_signup_create(
        event=event, member=three[1], source=SignupSource.FRONT_DESK, actor=specialist, now=now
    )
    third = services.event_signup_create(event=event, member=three[2], source=SignupSource.LINK, actor=None, now=now)
    assert again.pk == first.pk and EventSignup.objects.count() == 3
    assert third.status == SignupStatus.WAITLISTED
    # when
    services.event_signup_cancel(signup=first, actor=specialist, now=now)
    # then
    third.refresh_from_db()
    assert third.status == SignupStatus.CONFIRMED


def test_attendance_is_marked_for_confirmed_members(client, store, specialist, event, three, frozen_clock):
    services.event_signup_create(event=event, member=three[0], source=SignupSource.LINK, actor=None, now=NOW)
    client.force_login(specialist)
    url = reverse("operations:event_attendance", args=[store.pk, event.pk, three[0].pk])
    assert client.post(url, {"attended": "1"}).status_code == 302
    assert EventSignup.objects.get(member=three[0]).attended is True


def test_tampered_link_shows_the_invalid_page(client, event, three, frozen_clock):
    token = links.signup_token(event_id=event.pk, member_id=three[0].pk)
    tampered = token.replace(f"{event.pk}.{three[0].pk}", f"{event.pk}.{three[1].pk}")
    response = client.get(reverse("operations:public_signup", args=[tampered]))
    assert response.status_code == 400
    assert 'data-state="invalid"' in response.content.decode()
    assert client.post(reverse("operations:public_signup", args=[tampered])).status_code == 400
    assert not EventSignup.objects.exists()


def test_expired_link_shows_the_expired_page(client, store, event, three, frozen_clock, monkeypatch):
    # given: a link signed 15 days ago, the store's links last 14 days
    fifteen_days_ago = time.time() - 15 * 86400
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: fifteen_days_ago)
        token = links.signup_token(event_id=event.pk, member_id=three[0].pk)
    # when
    response = client.post(reverse("operations:public_signup", args=[token]))
    # then
    assert response.status_code == 410
    assert 'data-state="expired"' in response.content.decode()
    assert not EventSignup.objects.exists()


def test_public_page_is_rate_limited_by_ip(client, event, three, frozen_clock, settings):
    url = _link(event, three[0])
    limit = defaults.SIGNUP_RATE_LIMIT
    codes = [client.get(url, REMOTE_ADDR="10.0.0.9").status_code for _ in range(limit + 1)]
    assert codes[:limit] == [200] * limit and codes[limit] == 429
    assert client.get(url, REMOTE_ADDR="10.0.0.10").status_code == 200


def test_full_event_link_offers_the_waitlist(client, store, event, three, frozen_clock):
    for m in three[:2]:
        services.event_signup_create(event=event, member=m, source=SignupSource.LINK, actor=None, now=NOW)
    response = client.get(_link(event, three[2]))
    assert 'data-state="full"' in response.content.decode()


def test_outsider_gets_404_on_club_pages(client, store, outsider, event, three):
    client.force_login(outsider)
    for url in (
        reverse("operations:club", args=[store.pk]),
        reverse("operations:event_list", args=[store.pk]),
        reverse("operations:event_detail", args=[store.pk, event.pk]),
        reverse("operations:club_member_edit", args=[store.pk, three[0].pk]),
        reverse("operations:lounge_today", args=[store.pk]),
        reverse("operations:lounge_month", args=[store.pk]),
        reverse("operations:staffing", args=[store.pk]),
        reverse("operations:customer_statistics", args=[store.pk]),
        reverse("operations:customer_statistics_export", args=[store.pk]),
    ):
        assert client.get(url).status_code == 404, url
    own = outsider.memberships.first().store_id
    assert client.get(reverse("operations:event_detail", args=[own, event.pk])).status_code == 404
    post = client.post(reverse("operations:event_signup", args=[store.pk, event.pk]), {"member": three[0].pk})
    assert post.status_code == 404
    assert not EventSignup.objects.exists()


def test_members_per_level_and_enrolment(client, store, specialist, gold, three, frozen_clock):
    from ..factories import CustomerFactory

    newcomer = CustomerFactory(store=store, name="李新")
    client.force_login(specialist)
    response = client.post(
        reverse("operations:club_member_add", args=[store.pk]),
        {"customer_id": newcomer.pk, "level": gold.pk, "active": "on"},
    )
    assert response.status_code == 302
    page = client.get(reverse("operations:club", args=[store.pk]))
    (level, members), *_rest = [row for row in page.context["by_level"] if row[0].pk == gold.pk]
    assert sorted(m.customer.name for m in members) == ["孙三", "李新", "赵一", "钱二"]
    assert selectors.club_levels_for(store=store).get(pk=gold.pk).member_count == 4


def test_sign_up_appears_on_the_customer_timeline(store, event, three, now):
    from huifang.archive.selectors import customer_timeline

    services.event_signup_create(event=event, member=three[0], source=SignupSource.CUSTOMER_PAGE, actor=None, now=now)
    entries = [e for e in customer_timeline(three[0].customer) if e.kind == "club_signup"]
    assert len(entries) == 1
    assert "春季自驾游" in entries[0].title and "2026-04-04 09:00" in entries[0].detail


def test_sign_up_from_the_customer_page(client, store, specialist, outsider, event, three, frozen_clock):
    client.force_login(specialist)
    url = reverse("operations:customer_club", args=[store.pk, three[0].customer_id])
    page = client.get(url)
    assert page.context["member"] == three[0] and page.context["events"] == [(event, "")]
    response = client.post(
        reverse("operations:event_signup", args=[store.pk, event.pk]),
        {"member": three[0].pk, "source": "customer_page"},
    )
    assert response.status_code == 302
    assert EventSignup.objects.get(member=three[0]).source == SignupSource.CUSTOMER_PAGE
    assert client.get(url).context["events"] == [(event, SignupStatus.CONFIRMED)]
    client.force_login(outsider)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url_name", ["operations:club", "operations:event_list"])
def test_club_lists_query_count_does_not_grow_with_rows(client, store, specialist, gold, director, url_name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ClubMemberFactory(level=gold)
    ClubEventFactory(store=store, created_by=director)
    client.force_login(specialist)
    url = reverse(url_name, args=[store.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _n in range(5):
        ClubMemberFactory(level=gold)
        ClubEventFactory(store=store, created_by=director)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
