"""Health of a running installation for monitoring: the database, the worker and the scheduler.

The worker's heartbeat is the task queue itself: the scheduler enqueues the outbox release every minute,
so a live worker starts a task at least every minute and no due task waits long. The scheduler's last run
is the newest enqueue of any job listed in huifang/schedule.py.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone

from huifang.schedule import SCHEDULE

# A due task waiting longer than this means no worker is taking tasks (the outbox job comes every minute).
WORKER_MAX_WAIT_SECONDS = 300
# The scheduler enqueues the outbox release every minute; three silent minutes mean it is not running.
SCHEDULER_MAX_SILENCE_SECONDS = 180


@dataclass(frozen=True)
class Check:
    ok: bool
    detail: dict

    def as_dict(self) -> dict:
        return {"ok": self.ok, **self.detail}


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def database_check() -> Check:
    """The database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure to answer is what this check reports
        return Check(False, {"error": type(exc).__name__})
    return Check(True, {"engine": connection.vendor})


def worker_check(*, now: datetime) -> Check:
    """No due task has waited longer than the limit; the last task a worker started."""
    from django_tasks_db.models import DBTaskResult

    max_wait = getattr(settings, "HEALTH_WORKER_MAX_WAIT_SECONDS", WORKER_MAX_WAIT_SECONDS)
    figures = DBTaskResult.objects.aggregate(last_started=Max("started_at"))
    waiting = DBTaskResult.objects.filter(status="READY", run_after__lte=now).aggregate(oldest=Min("enqueued_at"))
    oldest = waiting["oldest"]
    waited = (now - oldest).total_seconds() if oldest else 0.0
    return Check(
        waited <= max_wait,
        {
            "last_task_started_at": _iso(figures["last_started"]),
            "oldest_waiting_seconds": round(waited),
            "max_wait_seconds": max_wait,
        },
    )


def scheduler_check(*, now: datetime) -> Check:
    """The newest enqueue of a scheduled job is recent enough."""
    from django_tasks_db.models import DBTaskResult

    max_silence = getattr(settings, "HEALTH_SCHEDULER_MAX_SILENCE_SECONDS", SCHEDULER_MAX_SILENCE_SECONDS)
    paths = sorted({job.task for job in SCHEDULE})
    last = DBTaskResult.objects.filter(task_path__in=paths).aggregate(last=Max("enqueued_at"))["last"]
    silent = (now - last).total_seconds() if last else None
    return Check(
        silent is not None and silent <= max_silence,
        {"last_run_at": _iso(last), "max_silence_seconds": max_silence},
    )


def health_report(*, now: datetime) -> dict:
    """Every check with its figures and `ok` overall (the HTTP status follows it)."""
    checks = {"database": database_check()}
    if checks["database"].ok:
        checks["worker"] = worker_check(now=now)
        checks["scheduler"] = scheduler_check(now=now)
    report: dict = {name: check.as_dict() for name, check in checks.items()}
    report["ok"] = all(check.ok for check in checks.values()) and len(checks) == 3
    report["checked_at"] = now.isoformat()
    return report
