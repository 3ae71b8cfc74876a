"""The demo history: recent calls, complaints and follow-ups made through the real services."""

from io import StringIO

import pytest
from django.core.management import call_command

from huifang.accounts.models import Store
from huifang.appointments.models import Appointment
from huifang.complaints.models import Complaint, ComplaintEvent
from huifang.followups.choices import RuleKind, TaskStatus
from huifang.followups.models import FollowUpTask
from huifang.workbench.choices import CallOutcome
from huifang.workbench.models import CallRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", "--customers", "150", "--seed", "7", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo_history", "--store", "SZ01", stdout=out)
    return out.getvalue()


def test_history_has_calls_of_every_outcome_and_the_complaints_they_opened(seeded):
    store = Store.objects.get(code="SZ01")
    calls = CallRecord.objects.filter(store=store)
    # then the past weeks' post-service tasks were called, with the four result types of seed 002
    assert set(calls.values_list("outcome", flat=True)) >= {CallOutcome.SATISFIED, CallOutcome.NOT_REACHED}
    assert calls.filter(outcome=CallOutcome.SATISFIED, score__isnull=False).exists()
    post_service = FollowUpTask.objects.filter(store=store, kind=RuleKind.POST_SERVICE_CALL)
    # (the reminder calls of the appointment history are calls too; the questionnaire is the post-service call's)
    post_service_calls = calls.filter(task__kind=RuleKind.POST_SERVICE_CALL)
    assert (
        post_service.filter(status=TaskStatus.DONE).count()
        == post_service_calls.filter(outcome__in=[CallOutcome.SATISFIED, CallOutcome.WITH_ISSUE])
        .values("task")
        .distinct()
        .count()
    )
    # and complaints came from calls and from the other channels, with their timeline
    assert (
        Complaint.objects.filter(store=store, channel="follow_up_call").count()
        == calls.exclude(complaint=None).values("complaint").distinct().count()
    )
    # (other channels: a quarter as many as the calls opened, at least 3; majors are a few per hundred,
    # so a store this small has none: see tests/complaints/test_major_demo.py)
    assert Complaint.objects.filter(store=store).exclude(channel="follow_up_call").count() == 3
    assert not Complaint.objects.filter(store=store, is_major=True).exists()
    assert (
        ComplaintEvent.objects.filter(complaint__store=store, kind="intake").count()
        == Complaint.objects.filter(store=store).count()
    )
    assert "SZ01:" in seeded


def test_history_is_not_added_twice(seeded):
    store = Store.objects.get(code="SZ01")
    calls, complaints = CallRecord.objects.filter(store=store).count(), Complaint.objects.filter(store=store).count()
    appointments = Appointment.objects.filter(store=store).count()
    assert appointments > 0
    # when it runs again
    out = StringIO()
    call_command("seed_demo_history", "--store", "SZ01", stdout=out)
    # then nothing new
    assert CallRecord.objects.filter(store=store).count() == calls
    assert Complaint.objects.filter(store=store).count() == complaints
    assert Appointment.objects.filter(store=store).count() == appointments
    assert "nothing added" in out.getvalue()
