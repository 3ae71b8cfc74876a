"""The scheduler's one step: enqueue each periodic job whose cron time has come (exactly once per due time)."""

import importlib
from datetime import datetime

from croniter import croniter
from django.db import transaction
from django.utils import timezone

from huifang.schedule import SCHEDULE, Job

from .models import ScheduledJob


def _task(path: str):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def job_enqueue_now(job: Job):
    """Enqueue one job's task with its arguments (also used by `run_scheduler --once`)."""
    return _task(job.task).enqueue(**job.kwargs)


def schedule_tick(*, now: datetime, jobs: tuple[Job, ...] = SCHEDULE) -> list[str]:
    """Enqueue every job due at `now` (business time) that was not enqueued for that due time yet.

    A job seen for the first time counts its previous cron time as done, so a new install does not fire
    everything at once. Returns the names enqueued."""
    enqueued = []
    for job in jobs:
        latest_due = croniter(job.cron, now).get_prev(datetime)
        row, _created = ScheduledJob.objects.get_or_create(name=job.name, defaults={"last_due_at": latest_due})
        if row.last_due_at >= latest_due:
            continue
        with transaction.atomic():
            # The guard makes a second scheduler (or a restarted one racing the old) a no-op.
            if ScheduledJob.objects.filter(pk=row.pk, last_due_at=row.last_due_at).update(
                last_due_at=latest_due, enqueued_at=timezone.now()
            ):
                job_enqueue_now(job)
                enqueued.append(job.name)
    return enqueued
