"""Housekeeping tasks of the task queue itself."""

from django_tasks import task


@task()
def reap_stale_tasks_task() -> dict[str, int]:
    """Take back the tasks of workers that died: retried up to the limit, then failed (background.services)."""
    from huifang.background.services import tasks_recover

    return tasks_recover()
