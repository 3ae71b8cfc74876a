"""{% kept_url "name" %}, {% kept_static "path" %} and {% kept_trans "text" %}: fixed strings of hot pages, worked
out once per process.

Every signed-in page renders base.html, whose seven {% url %} and four {% static %} cost each request about a
thousand Python calls (issue 18) for strings that never change while the process runs. These nodes answer
what {% url "name" %} (no arguments) and {% static "path" %} answer, escaped the same way, kept per
(urlconf, script prefix, name) so no copy is ever stale; a test changing the URLs, static storage or
STATIC_URL clears them (setting_changed).

{% kept_trans "text" %} is {% trans "text" %} (a quoted constant, nothing else) rendered by Django's own node
once per (language, autoescape, text): the call screen's ~40 {% trans %} cost some 70 Python calls each per
request. A test changing the languages or the catalogues' paths clears them too.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.i18n import do_translate
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

_KEPT: dict[tuple, str] = {}
_SETTINGS_THAT_CHANGE_THEM = frozenset(
    {"ROOT_URLCONF", "STATIC_URL", "STORAGES", "STATICFILES_STORAGE", "LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}
)


class _KeptNode(template.Node):
    def __init__(self, kind: str, argument: str):
        self.kind, self.argument = kind, argument

    def render(self, context) -> str:
        key = (self.kind, get_urlconf(), get_script_prefix(), self.argument)
        value = _KEPT.get(key)
        if value is None:
            value = _KEPT[key] = reverse(self.argument) if self.kind == "url" else static(self.argument)
        return conditional_escape(value) if context.autoescape else value


def _kept_tag(kind: str):
    def compile_tag(parser, token):
        bits = token.split_contents()
        if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
            raise template.TemplateSyntaxError(f"{bits[0]} takes one quoted constant")
        return _KeptNode(kind, bits[1][1:-1])

    return compile_tag


class _KeptTranslationNode(template.Node):
    def __init__(self, translation: template.Node, text: str):
        self.translation, self.text = translation, text

    def render(self, context) -> str:
        key = ("trans", get_language(), context.autoescape, self.text)
        value = _KEPT.get(key)
        if value is None:
            value = _KEPT[key] = self.translation.render(context)
        return value


def _kept_translation(parser, token):
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one quoted constant")
    return _KeptTranslationNode(do_translate(parser, token), bits[1])


register.tag("kept_url", _kept_tag("url"))
register.tag("kept_static", _kept_tag("static"))
register.tag("kept_trans", _kept_translation)


@receiver(setting_changed, dispatch_uid="huifang.core.kept_addresses")
def _forget_on_setting_changed(setting, **kwargs):
    if setting in _SETTINGS_THAT_CHANGE_THEM:
        _KEPT.clear()
