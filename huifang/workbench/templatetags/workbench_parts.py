"""Workbench page parts that are the same for everyone in one language, rendered once per process."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from ..rendering import RenderedParts

register = template.Library()

LEGEND_TEMPLATE = "workbench/_legend.html"
# Apart from rendering.PARTS (the call form's parts): one copy per language.
LEGENDS = RenderedParts(size=8)


@register.simple_tag
def workbench_legend() -> SafeString:
    """The keyboard legend (fifteen {% trans %} on every workbench page): the same HTML for a language."""
    return LEGENDS.get(("legend", get_language()), lambda: SafeString(render_to_string(LEGEND_TEMPLATE)))
