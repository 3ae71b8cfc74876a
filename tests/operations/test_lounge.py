"""Lounge checklist (顾客休息室检查表): a week with two missing days, compliance counted by hand."""

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from huifang.audit.models import AuditEntry
from huifang.operations import selectors, services
from huifang.operations.choices import DayState
from huifang.operations.models import LoungeChecklist, LoungeItem

from .conftest import NOW, at

pytestmark = pytest.mark.django_db

# Monday 9 – Sunday 15 March 2026; the 11th (Wed) and 14th (Sat) are not filled.
WEEK = [date(2026, 3, d) for d in range(9, 16)]
FILLED = [date(2026, 3, d) for d in (9, 10, 12, 13, 15)]
# 空调 (item 1) scores per filled day, and 茶水 (item 7); every other item scores 5.
AIRCON = [5, 3, 4, 5, 2]  # compliant (>= 4): 5, 4, 5 -> 3 of 5 = 60.0 %
WATER = [4, 4, 4, 0, 0]  # 3 of 5 = 60.0 %


def _fill_week(store, specialist):
    services.lounge_items_ensure_defaults(store=store)
    items = list(LoungeItem.objects.filter(store=store).order_by("position"))
    for n, day in enumerate(FILLED):
        scores = []
        for item in items:
            score = {1: AIRCON[n], 7: WATER[n]}.get(item.position, 5)
            scores.append(services.ScoreInput(item_id=item.pk, score=score))
        services.lounge_checklist_save(
            store=store, day=day, scores=scores, sign=True, actor=specialist, now=at(day.year, day.month, day.day, 9)
        )
    return items


def test_seed_gives_eleven_items_in_seed_order(store):
    # when
    added = services.lounge_items_ensure_defaults(store=store)
    # then
    titles = list(LoungeItem.objects.filter(store=store).values_list("title", flat=True))
    assert added == 11
    assert titles[0] == "空调" and titles[6] == "茶水" and titles[10] == "午餐"
    assert services.lounge_items_ensure_defaults(store=store) == 0


def test_week_with_two_missing_days_flags_them_and_compliance_matches_hand_count(store, specialist):
    # given
    items = _fill_week(store, specialist)
    policy = services.policy_for(store=store)
    # when
    period = selectors.lounge_period(store=store, policy=policy, start=WEEK[0], end=WEEK[-1], today=NOW.date())
    # then
    assert period["missing"] == [date(2026, 3, 11), date(2026, 3, 14)]
    assert [d["state"] for d in period["days"]].count(DayState.SIGNED) == 5
    by_title = {row["item"].title: row for row in period["items"]}
    assert (by_title["空调"]["compliant"], by_title["空调"]["checked"], by_title["空调"]["percent"]) == (3, 5, 60.0)
    assert (by_title["茶水"]["compliant"], by_title["茶水"]["checked"], by_title["茶水"]["percent"]) == (3, 5, 60.0)
    assert by_title["电视"]["percent"] == 100.0
    assert len(period["items"]) == len(items) == 11


def test_month_view_flags_missing_days_and_charts_the_hand_count(client, store, specialist, frozen_clock):
    # given: the week filled; today is 18 March, so 1–8, 11, 14, 16 and 17 March are missing
    _fill_week(store, specialist)
    client.force_login(specialist)
    # when
    response = client.get(reverse("operations:lounge_month", args=[store.pk]), {"month": "2026-03"})
    # then
    assert response.status_code == 200
    period = response.context["period"]
    assert [d.day for d in period["missing"]] == [1, 2, 3, 4, 5, 6, 7, 8, 11, 14, 16, 17]
    chart = json.loads(response.context["chart"] and json.dumps(response.context["chart"]))
    assert chart["labels"][0] == "空调" and chart["values"][0] == 60.0
    assert chart["values"][6] == 60.0 and chart["values"][1] == 100.0
    html = response.content.decode()
    assert 'id="missing-days" class="error">12<' in html
    assert "03-11" in html and "03-14" in html


def test_month_view_query_count_does_not_grow_with_the_days_filled(client, store, specialist, frozen_clock):
    # given
    services.lounge_items_ensure_defaults(store=store)
    client.force_login(specialist)
    url = reverse("operations:lounge_month", args=[store.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as empty:
        client.get(url, {"month": "2026-03"})
    # when
    _fill_week(store, specialist)
    with CaptureQueriesContext(connection) as filled:
        client.get(url, {"month": "2026-03"})
    # then
    assert len(filled) == len(empty)


def test_signing_needs_every_item_and_a_signed_day_is_final(store, specialist, now):
    # given
    services.lounge_items_ensure_defaults(store=store)
    first = LoungeItem.objects.filter(store=store).order_by("position").first()
    # when: only one item scored
    with pytest.raises(ValidationError) as exc:
        services.lounge_checklist_save(
            store=store, day=now.date(), scores=[services.ScoreInput(first.pk, 5)], sign=True, actor=specialist, now=now
        )
    # then
    assert "午餐" in str(exc.value)
    # given: all scored and signed
    all_items = [services.ScoreInput(i.pk, 5) for i in LoungeItem.objects.filter(store=store)]
    services.lounge_checklist_save(store=store, day=now.date(), scores=all_items, sign=True, actor=specialist, now=now)
    # when / then: a second save is refused
    with pytest.raises(ValidationError):
        services.lounge_checklist_save(store=store, day=now.date(), scores=all_items, actor=specialist, now=now)
    checklist = LoungeChecklist.objects.get(store=store, day=now.date())
    assert checklist.signed_by == specialist
    signed_entry = AuditEntry.objects.get(object_id=checklist.pk, changes__signed=True)
    assert signed_entry.actor == specialist and signed_entry.changes["scores"][str(first.pk)] == 5


def test_score_outside_the_scale_names_the_item(store, specialist, now):
    services.lounge_items_ensure_defaults(store=store)
    item = LoungeItem.objects.filter(store=store).first()
    with pytest.raises(ValidationError) as exc:
        services.lounge_checklist_save(
            store=store, day=now.date(), scores=[services.ScoreInput(item.pk, 9)], actor=specialist, now=now
        )
    assert f"score_{item.pk}" in exc.value.message_dict


def test_today_screen_scores_signs_and_serves_the_photo_only_to_the_store(
    client, store, specialist, outsider, frozen_clock
):
    # given
    client.force_login(specialist)
    url = reverse("operations:lounge_today", args=[store.pk])
    client.get(url)
    items = list(LoungeItem.objects.filter(store=store))
    data = {f"score_{i.pk}": "5" for i in items} | {"sign": "1", "note": "一切正常"}
    data[f"note_{items[0].pk}"] = "26度"
    data[f"photo_{items[0].pk}"] = SimpleUploadedFile("ac.jpg", b"\xff\xd8\xff photo", content_type="image/jpeg")
    # when
    response = client.post(url, data)
    # then
    assert response.status_code == 302
    checklist = LoungeChecklist.objects.get(store=store, day=NOW.date())
    assert checklist.signed_at == NOW and checklist.note == "一切正常"
    score = checklist.scores.get(item=items[0])
    assert score.note == "26度"
    photo_url = reverse("operations:lounge_photo", args=[store.pk, score.pk])
    assert b"photo" in b"".join(client.get(photo_url).streaming_content)
    assert photo_url in client.get(url).content.decode()
    client.force_login(outsider)
    assert client.get(photo_url).status_code == 404
    assert (
        client.get(
            reverse("operations:lounge_photo", args=[outsider.memberships.first().store_id, score.pk])
        ).status_code
        == 404
    )


def test_manager_reads_but_cannot_fill_the_checklist(client, store, manager, frozen_clock):
    client.force_login(manager)
    url = reverse("operations:lounge_today", args=[store.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"note": "x"}).status_code == 403
    assert not LoungeChecklist.objects.exists()


def test_only_the_director_edits_items(client, store, specialist, director):
    services.lounge_items_ensure_defaults(store=store)
    url = reverse("operations:lounge_items", args=[store.pk])
    client.force_login(specialist)
    assert client.get(url).status_code == 403
    client.force_login(director)
    response = client.post(url, {"position": 12, "title": "洗手间", "description": "干净无异味", "active": "on"})
    assert response.status_code == 302
    assert LoungeItem.objects.filter(store=store).count() == 12
    duplicate = client.post(url, {"position": 12, "title": "重复", "active": "on"})
    assert duplicate.status_code == 422
    assert duplicate.context["form"].errors["position"]
    assert LoungeItem.objects.filter(store=store, title="重复").count() == 0


def test_directors_are_told_once_when_yesterdays_checklist_is_missing(store, specialist, director, now):
    from huifang.notifications.models import Notification

    # given: items exist; nothing signed for 17 March
    services.lounge_items_ensure_defaults(store=store)
    # when: the morning sweep runs twice
    first = services.lounge_missing_notify(store=store, now=now)
    again = services.lounge_missing_notify(store=store, now=now)
    # then
    assert (first, again) == (1, 0)
    note = Notification.objects.get(user=director)
    assert "2026-03-17" in note.title and note.url.endswith("?month=2026-03")
    assert not Notification.objects.filter(user=specialist).exists()


def test_no_flag_when_yesterday_was_signed(store, specialist, director, now):
    items = services.lounge_items_ensure_defaults(store=store) and LoungeItem.objects.filter(store=store)
    services.lounge_checklist_save(
        store=store,
        day=date(2026, 3, 17),
        scores=[services.ScoreInput(i.pk, 5) for i in items],
        sign=True,
        actor=specialist,
        now=at(2026, 3, 17, 9),
    )
    assert services.lounge_missing_notify(store=store, now=now) == 0
