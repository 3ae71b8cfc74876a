from django_tasks import task

from huifang.core import clock


@task()
def post_daily_briefs_task() -> int:
    """Every 5 minutes: the daily brief of each store whose brief time has come (once a day per store)."""
    from .brief import briefs_post_due

    return briefs_post_due(now=clock.now())
