from django_tasks import task

from huifang.core import clock

from .services import chain_run


@task()
def run_survey_chain_task() -> dict[str, int]:
    """The survey fallback chain for every store: links, SMS, then e-mail; returns the counts."""
    return chain_run(now=clock.now())
