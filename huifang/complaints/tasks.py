from django_tasks import task

from huifang.core import clock


@task()
def escalate_complaints_task() -> dict[str, int]:
    """Escalate complaints whose level deadline passed and remind about overdue contacts and reports."""
    from .services import complaints_escalate_due

    return complaints_escalate_due(now=clock.now())
