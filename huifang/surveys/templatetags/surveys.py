"""{% task_survey_links task user %}: the survey link box of a task, for the call screen and the call page:
its state, its address to copy, and (for staff who may open the task) make, renew and send."""

from types import SimpleNamespace

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from huifang.core import clock
from huifang.followups.choices import RuleKind

from .. import selectors, services

register = template.Library()
BOX_TEMPLATE = "surveys/_task_links.html"


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


@register.inclusion_tag(BOX_TEMPLATE)
def task_survey_links(task, may_act=False):
    return survey_box_context(task=task, may_act=may_act)


# The box of a task without a link differs between tasks only in the task's id: kept per language, whether
# its buttons show, URL configuration and script prefix, made with a stand-in id put back by the real one.
_STAND_IN_ID = 987654319
_EMPTY_BOXES: dict[tuple, str] = {}


@receiver(setting_changed, dispatch_uid="huifang.surveys.empty_boxes")
def _forget_empty_boxes(**kwargs):
    _EMPTY_BOXES.clear()


def survey_box_html(*, task, may_act: bool, has_link: bool | None) -> SafeString:
    """What `{% task_survey_links task may_act %}` renders; `has_link` False (the caller read that the task has
    no link) spares the box's read, None: not known."""
    if has_link is not False:
        return SafeString(render_to_string(BOX_TEMPLATE, survey_box_context(task=task, may_act=may_act)))
    acting = may_act and task.kind == RuleKind.POST_SERVICE_CALL
    key = (get_language(), acting, get_urlconf(), get_script_prefix())
    box = _EMPTY_BOXES.get(key)
    if box is None:
        stand_in = SimpleNamespace(pk=_STAND_IN_ID)
        box = _EMPTY_BOXES[key] = render_to_string(
            BOX_TEMPLATE, {"task": stand_in, "survey_links": [], "may_act": acting}
        )
    return SafeString(box.replace(str(_STAND_IN_ID), str(int(task.pk))))
