"""Workbench page parts that are the same for everyone in one language, rendered once per process."""

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from ..rendering import RenderedParts

register = template.Library()

# Static parts of workbench pages (kept_part: the keyboard legend, the queue's head and table header): a few
# templates, two languages, a flag or two each.
PARTS = RenderedParts(size=64)


@register.simple_tag
def kept_part(template_name: str, **values) -> SafeString:
    """A template that depends on nothing but `values` (short plain values such as team=True), the language
    and the script prefix (its {% url %}), rendered once per process for each of those: the queue's head and
    table header are two dozen {% trans %} and {% url %} that read the same for everyone."""
    key = (template_name, get_language(), get_script_prefix(), tuple(sorted(values.items())))
    return PARTS.get(key, lambda: SafeString(render_to_string(template_name, values)))
