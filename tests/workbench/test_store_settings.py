"""The store settings each process keeps for the workbench (workbench.store_settings): read with one query,
and every way a setting is edited is seen by the next request (a stale rule after an edit is a bug)."""

from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.archive.services import policy_for as archive_policy_for
from huifang.calendars import services as calendar_services
from huifang.core import clock
from huifang.messaging import services as messaging_services
from huifang.workbench import services, store_settings
from huifang.workbench.models import CallScript, Question

from ..factories import PASSWORD, member
from .factories import NOW, call_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def director(store):
    return member(store, Role.CARE_DIRECTOR)


def test_kept_settings_cost_one_query_once_read(store, django_assert_num_queries):
    first = store_settings.settings_for(store=store)
    with django_assert_num_queries(1):
        again = store_settings.settings_for(store=store)
    assert again is first
    assert [q.code for q in again.questions][0] == "overall"
    assert (again.call_policy.store_id, again.archive_policy.store_id) == (store.pk, store.pk)


def test_several_stores_cost_one_query(store, django_assert_num_queries):
    from ..factories import StoreFactory

    other = StoreFactory(code="GZ99")
    store_settings.quiet_rules_kept(stores=[store, other])
    with django_assert_num_queries(1):
        rules = store_settings.quiet_rules_kept(stores=[store, other])
    assert set(rules) == {store.pk, other.pk}


def test_call_policy_edit_is_seen_at_once(store, director):
    store_settings.settings_for(store=store)
    services.call_policy_update(store=store, actor=director, now=NOW, low_overall_score=3)
    assert store_settings.settings_for(store=store).call_policy.low_overall_score == 3


def test_new_questionnaire_version_is_seen_at_once(store, director):
    before = store_settings.settings_for(store=store)
    questions = [{"code": "only", "text": "只问一个问题", "kind": "scale10", "weight": 1}]
    services.questionnaire_publish(store=store, actor=director, now=NOW, questions=questions)
    after = store_settings.settings_for(store=store)
    assert after.questionnaire.version == before.questionnaire.version + 1
    assert [q.text for q in after.questions] == ["只问一个问题"]


def test_question_saved_in_place_and_deleted_are_seen_at_once(store):
    question = store_settings.settings_for(store=store).questions[0]
    row = Question.objects.get(pk=question.pk)  # as the admin edits it: the row itself
    row.text = "改过"
    row.save()
    assert store_settings.settings_for(store=store).questions[0].text == "改过"
    row.delete()
    assert row.pk not in {q.pk for q in store_settings.settings_for(store=store).questions}


def test_script_edit_is_seen_at_once(store, director):
    kept = store_settings.settings_for(store=store)
    script = CallScript.objects.get(pk=kept.scripts[("post_service_call", "owner")].pk)
    steps = [{"title": "问候", "text": "您好 {customer}，新的话术"}]
    services.script_update(script=script, actor=director, now=NOW, steps=steps)
    assert store_settings.settings_for(store=store).scripts[("post_service_call", "owner")].steps == steps


def test_quiet_hours_edit_is_seen_at_once(store, director):
    store_settings.settings_for(store=store)
    messaging_services.quiet_hours_update(store=store, actor=director, now=NOW, windows=[["09:00", "11:00"]])
    kept = store_settings.settings_for(store=store)
    assert kept.quiet.windows == [["09:00", "11:00"]]
    assert kept.quiet.quiet_at(NOW)  # 10:00


def test_calendar_edits_are_seen_at_once(store, director):
    kept = store_settings.settings_for(store=store)
    assert not kept.quiet.quiet_at(NOW)
    day = NOW.astimezone(ZoneInfo(store.time_zone)).date()
    calendar_services.store_day_save(store=store, actor=director, now=NOW, day=day, is_open=False)
    assert store_settings.settings_for(store=store).quiet.quiet_at(NOW)  # closed all day
    calendar_services.store_day_delete(store=store, actor=director, now=NOW, day=day)
    assert not store_settings.settings_for(store=store).quiet.quiet_at(NOW)
    follows = kept.quiet.calendar.follow_official
    calendar_services.calendar_update(store=store, actor=director, now=NOW, follow_official_holidays=not follows)
    assert store_settings.settings_for(store=store).quiet.calendar.follow_official is (not follows)


def test_archive_policy_saved_is_seen_at_once(store):
    store_settings.settings_for(store=store)
    policy = archive_policy_for(store=store)
    policy.sensitive_occupation_words = "记者,律师,法官"
    policy.save()
    assert store_settings.settings_for(store=store).archive_policy.sensitive_occupation_words == "记者,律师,法官"


def test_a_rolled_back_edit_is_not_kept(store, director):
    before = store_settings.settings_for(store=store).call_policy.low_overall_score
    with pytest.raises(RuntimeError), transaction.atomic():
        services.call_policy_update(store=store, actor=director, now=NOW, low_overall_score=before - 1)
        # read inside the transaction: kept under that transaction's token
        assert store_settings.settings_for(store=store).call_policy.low_overall_score == before - 1
        raise RuntimeError
    assert store_settings.settings_for(store=store).call_policy.low_overall_score == before


def test_call_screen_and_next_follow_quiet_hours_set_a_moment_ago(client, store, director, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    specialist = member(store, Role.CARE_SPECIALIST)
    task = call_task(store, assigned_to=specialist)
    assert client.login(username=specialist.username, password=PASSWORD)
    assert 'data-flag="quiet_hours"' not in client.get(reverse("workbench:task", args=[task.pk])).content.decode()
    # when the director sets quiet hours around now
    messaging_services.quiet_hours_update(store=store, actor=director, now=NOW, windows=[["09:00", "11:00"]])
    # then the very next requests apply them
    assert 'data-flag="quiet_hours"' in client.get(reverse("workbench:task", args=[task.pk])).content.decode()
    assert client.get(reverse("workbench:next"))["Location"] == reverse("workbench:queue")


def test_the_command_marks_a_data_fix(store):
    from django.core.management import call_command

    question = store_settings.settings_for(store=store).questions[0]
    Question.objects.filter(pk=question.pk).update(text="SQL 改的")
    assert store_settings.settings_for(store=store).questions[0].text != "SQL 改的"  # an .update() says nothing
    call_command("workbench_settings_changed", store.code)
    assert store_settings.settings_for(store=store).questions[0].text == "SQL 改的"


@pytest.mark.django_db
def test_an_audit_entry_about_no_row_leaves_the_settings_token_alone(store):
    # given a store whose settings are kept
    from huifang.audit.choices import AuditAction
    from huifang.audit.models import AuditEntry
    from huifang.workbench.models import StoreSettingsVersion
    from huifang.workbench.store_settings import settings_for

    token = settings_for(store=store).token
    # when an entry with no content type is written (a sign-in, an export)
    AuditEntry.objects.create(at=NOW, store=store, action=AuditAction.UPDATE, object_repr="export")
    # then nothing fails and the token is unchanged
    assert StoreSettingsVersion.objects.get(store=store).token == token


def test_a_new_store_has_its_token_so_reading_its_settings_never_writes(store):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from huifang.workbench.models import StoreSettingsVersion

    from ..factories import StoreFactory

    # given: a store just made has its token already
    other = StoreFactory()
    assert StoreSettingsVersion.objects.filter(store=other).exists()
    store_settings.settings_for(store=store)  # its default rows made on first read
    store_settings._kept.clear()  # another process, or this one after a restart
    # when
    with CaptureQueriesContext(connection) as queries:
        store_settings.settings_for(store=store)
    # then: reads only (a refused request must write nothing, the hostile walk found it writing the first token)
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
