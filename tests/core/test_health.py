"""The health endpoint for monitoring: database, worker heartbeat (the queue), scheduler's last run."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tasks_db.models import DBTaskResult

from huifang.core.health import health_report

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
OUTBOX = "huifang.messaging.tasks.release_outbox_task"


def _task(*, path: str = OUTBOX, status: str = "SUCCESSFUL", enqueued: datetime, started: datetime | None = None):
    row = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path=path,
        queue_name="default",
        backend_name="default",
        run_after=enqueued,
        started_at=started,
        finished_at=started,
    )
    # enqueued_at is auto_now_add: set the instant the scenario needs.
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=enqueued)
    return row


def test_all_well_when_the_scheduler_enqueued_a_minute_ago_and_the_worker_took_it():
    # given the outbox job enqueued 60 s ago and started by a worker 59 s ago
    _task(enqueued=NOW - timedelta(seconds=60), started=NOW - timedelta(seconds=59))
    # when health is checked
    report = health_report(now=NOW)
    # then every check is well
    assert report["ok"] is True
    assert report["database"]["ok"] is True
    assert report["worker"] == {
        "ok": True,
        "last_task_started_at": (NOW - timedelta(seconds=59)).isoformat(),
        "oldest_waiting_seconds": 0,
        "max_wait_seconds": 300,
    }
    assert report["scheduler"]["ok"] is True
    assert report["scheduler"]["last_run_at"] == (NOW - timedelta(seconds=60)).isoformat()


def test_worker_down_when_a_due_task_waits_longer_than_five_minutes():
    # given a task due since 301 s that no worker started (the scheduler still enqueues)
    _task(status="READY", enqueued=NOW - timedelta(seconds=301))
    _task(status="READY", enqueued=NOW - timedelta(seconds=30))
    # when health is checked
    report = health_report(now=NOW)
    # then the worker check fails with the oldest wait, the scheduler one passes, overall not ok
    assert report["worker"]["ok"] is False
    assert report["worker"]["oldest_waiting_seconds"] == 301
    assert report["scheduler"]["ok"] is True
    assert report["ok"] is False


def test_scheduler_down_when_nothing_scheduled_was_enqueued_for_three_minutes():
    # given the last scheduled enqueue 181 s ago, and a recent task that is not a scheduled job
    _task(enqueued=NOW - timedelta(seconds=181), started=NOW - timedelta(seconds=180))
    _task(path="huifang.archive.tasks.import_batch_task", enqueued=NOW - timedelta(seconds=5), started=NOW)
    # when health is checked
    report = health_report(now=NOW)
    # then the scheduler check fails, naming its last run
    assert report["scheduler"] == {
        "ok": False,
        "last_run_at": (NOW - timedelta(seconds=181)).isoformat(),
        "max_silence_seconds": 180,
    }
    assert report["ok"] is False


def test_scheduler_never_ran_is_not_ok():
    # given an empty queue (a fresh installation before its scheduler started)
    # when health is checked
    report = health_report(now=NOW)
    # then the worker has nothing waiting, but the scheduler never ran
    assert report["worker"]["ok"] is True
    assert report["scheduler"] == {"ok": False, "last_run_at": None, "max_silence_seconds": 180}


def test_health_url_answers_json_without_login_and_503_when_not_well(client):
    # given nothing ran yet
    # when monitoring asks /health without logging in
    response = client.get("/health")
    # then it answers 503 with the checks as JSON, and no cookie or store data
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == {"ok": True, "engine": body["database"]["engine"]}
    assert body["scheduler"]["last_run_at"] is None
    assert set(body) == {"database", "worker", "scheduler", "ok", "checked_at"}


def test_health_url_answers_200_when_all_is_well(client):
    # given a scheduled job enqueued and started just now
    from django.utils import timezone

    now = timezone.now()
    _task(enqueued=now - timedelta(seconds=5), started=now - timedelta(seconds=4))
    # when monitoring asks
    response = client.get("/health")
    # then 200 and ok
    assert response.status_code == 200
    assert response.json()["ok"] is True
