"""{% task_survey_links task %}: the survey link box of a task, for the call screen and the task page."""

from django import template

from huifang.core import clock

from .. import selectors

register = template.Library()


@register.inclusion_tag("surveys/_task_links.html")
def task_survey_links(task):
    return {"task": task, "survey_links": selectors.links_for_task(task=task, now=clock.now())}
