"""{% workbench_legend %}: the keyboard legend of every workbench page, rendered once per language and kept
(workbench.rendering.PARTS): it is static text, yet its fifteen {% trans %} cost about 1,200 Python calls on
each queue and call screen (issue 18)."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from ..rendering import PARTS

register = template.Library()

LEGEND_TEMPLATE = "workbench/_legend.html"


@register.simple_tag
def workbench_legend() -> SafeString:
    return PARTS.get(("legend", get_language()), lambda: SafeString(render_to_string(LEGEND_TEMPLATE)))
