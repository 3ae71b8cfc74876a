"""Housekeeping tasks of the task queue itself."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

# A task running longer than this is taken to have lost its worker.
STALE_AFTER = timedelta(hours=2)


@task()
def reap_stale_tasks_task() -> int:
    """Mark tasks RUNNING for longer than STALE_AFTER as failed so they do not block reports."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - STALE_AFTER
    return DBTaskResult.objects.filter(status="RUNNING", started_at__lt=cutoff).update(
        status="FAILED", finished_at=timezone.now()
    )
