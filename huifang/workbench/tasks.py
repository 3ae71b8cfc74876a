from django_tasks import task

from huifang.core import clock

from .services import problems_remind


@task()
def remind_open_problems_task() -> int:
    """Remind advisors of problem records from follow-up calls still open after the allowed days."""
    return problems_remind(now=clock.now())
