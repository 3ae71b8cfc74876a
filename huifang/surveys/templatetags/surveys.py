"""{% task_survey_links task user %}: the survey link box of a task, for the call screen and the call page:
its state, its address to copy, and (for staff who may open the task) make, renew and send."""

from django import template

from huifang.core import clock
from huifang.followups.choices import RuleKind

from .. import selectors, services

register = template.Library()


def survey_box_context(*, task, may_act: bool) -> dict:
    """What the box shows; shared with the view that answers its buttons."""
    rows = selectors.links_for_task(task=task, now=clock.now())
    for row in rows:
        row["url"] = services.link_url(row["link"])
    return {
        "task": task,
        "survey_links": rows,
        "may_act": may_act and task.kind == RuleKind.POST_SERVICE_CALL,
    }


@register.inclusion_tag("surveys/_task_links.html")
def task_survey_links(task, may_act=False):
    return survey_box_context(task=task, may_act=may_act)
