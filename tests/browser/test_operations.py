"""Operations in a phone-sized browser: fill today's lounge checklist, sign up through an invitation link."""

from datetime import timedelta

import pytest
from django.utils import timezone

from huifang.operations import links
from huifang.operations.choices import SignupStatus
from huifang.operations.models import EventSignup, LoungeChecklist

from ..factories import PASSWORD
from ..operations.factories import ClubEventFactory, ClubLevelFactory, ClubMemberFactory
from .conftest import login

PHONE = {"width": 360, "height": 740}


@pytest.mark.browser
def test_fill_todays_checklist_on_a_phone(page, specialist, store, shot):
    # given
    page.set_viewport_size(PHONE)
    login(page, specialist.username, PASSWORD)
    page.goto(page.base_url + f"/operations/{store.pk}/lounge/")
    selects = page.locator("select[name^=score_]")
    assert selects.count() == 11
    # when: every item scored 5, the lunch item 3 with a note, then signed
    for n in range(selects.count()):
        selects.nth(n).select_option("5")
    selects.nth(10).select_option("3")
    page.locator("input[name^=note_]").nth(10).fill("午餐票登记漏了两个车牌")
    shot(page, "operations-lounge-phone-filled")
    page.click("button[name=sign]")
    # then
    page.wait_for_selector(".badge.ok")
    shot(page, "operations-lounge-phone-signed")
    checklist = LoungeChecklist.objects.get(store=store)
    assert checklist.signed_by == specialist
    assert sorted(checklist.scores.values_list("score", flat=True)) == [3] + [5] * 10


@pytest.mark.browser
def test_sign_up_through_an_invitation_link_on_a_phone(page, store, director, shot):
    # given
    event = ClubEventFactory(
        store=store, capacity=2, created_by=director, starts_at=timezone.now() + timedelta(days=7), title="春季自驾游"
    )
    member = ClubMemberFactory(level=ClubLevelFactory(store=store), customer__name="赵一")
    token = links.signup_token(event_id=event.pk, member_id=member.pk)
    page.set_viewport_size(PHONE)
    # when
    page.goto(page.base_url + f"/operations/e/{token}/")
    shot(page, "operations-signup-phone-open")
    page.click("#signup-button")
    # then
    page.wait_for_selector('[data-state="confirmed"]')
    shot(page, "operations-signup-phone-confirmed")
    assert EventSignup.objects.get(event=event, member=member).status == SignupStatus.CONFIRMED
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.browser
def test_director_screens_month_chart_staffing_and_event(page, store, director, specialist, shot):
    # given: three signed days this month and an event with a waitlist
    from huifang.core import clock
    from huifang.operations import services
    from huifang.operations.models import LoungeItem

    services.lounge_items_ensure_defaults(store=store)
    items = list(LoungeItem.objects.filter(store=store))
    today = clock.today()
    for back in (1, 3):
        if (today - timedelta(days=back)).month == today.month:
            services.lounge_checklist_save(
                store=store,
                day=today - timedelta(days=back),
                scores=[services.ScoreInput(i.pk, 5 if i.position % 3 else 2) for i in items],
                sign=True,
                actor=specialist,
                now=clock.now(),
            )
    event = ClubEventFactory(store=store, capacity=1, created_by=director, starts_at=timezone.now() + timedelta(days=5))
    level = ClubLevelFactory(store=store, name="金卡会员")
    for name in ("赵一", "钱二"):
        services.event_signup_create(
            event=event,
            member=ClubMemberFactory(level=level, customer__name=name),
            source="front_desk",
            actor=director,
            now=clock.now(),
        )
    login(page, director.username, PASSWORD)
    # when / then
    page.goto(page.base_url + f"/operations/{store.pk}/lounge/month/")
    page.wait_for_selector("#chart-compliance canvas")
    shot(page, "operations-lounge-month")
    page.goto(page.base_url + f"/operations/{store.pk}/staffing/")
    assert page.locator("#suggested code").inner_text() == "1+1+1"
    shot(page, "operations-staffing")
    page.goto(page.base_url + f"/operations/{store.pk}/club/events/{event.pk}/")
    assert "钱二" in page.locator("#waitlist").inner_text()
    shot(page, "operations-event-detail")
