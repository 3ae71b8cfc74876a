"""{% kept_topbar %}: base.html's header (brand, menu, quick search, language form, bell, name, log out), made
once per process for each key and filled with the request's own values (issue 18).

Rendering it cost every signed-in page some 1,500 Python calls: a dozen kept URLs, seven translations, the
bell's plural, three {% if %} on the context, two {% csrf_token %}. Everything the HTML is made of except
three per-request values is in the key: language, urlconf, script prefix, demo mode, signed in or not, the
menu's HTML (itself kept per language and roles, navigation._menu_html), whether the menu has the customer
search, the unread count and autoescaping. The three request values -- the CSRF field, the language form's
"next" path and the user's name -- are slots filled per request, escaped as {{ }} escapes them, so no copy
holds anything of one user or response. A signed-in page without the kept menu HTML (a context of its own)
is rendered afresh. A test changing the URLs, static storage, languages or catalogues clears the copies.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from .kept import _SETTINGS_THAT_CHANGE_THEM

register = template.Library()

TEMPLATE = "_topbar.html"
SLOTS = ("csrf_input", "next_path", "user_name")
_MARK = "\x00"  # never in a template's text nor in {{ }} output (slots are only filled after the split)
_SENTINELS = {slot: SafeString(f"{_MARK}{slot}{_MARK}") for slot in SLOTS}
MAX_KEPT = 2000  # keys are few (languages x role sets x small unread counts); a bound all the same

_KEPT: dict[tuple, tuple[str, ...]] = {}


@register.simple_tag(takes_context=True)
def kept_topbar(context) -> SafeString:
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    menu_html = context.get("menu_html") if signed_in else None
    flags = {
        "signed_in": signed_in,
        "demo_mode": bool(context.get("demo_mode")),
        "menu_html": menu_html,
        "quick_search": signed_in and "archive:customer_search" in (context.get("menu_names") or ()),
        "unread_notifications": context.get("unread_notifications") if signed_in else None,
    }
    values = _slot_values(context, user, signed_in)
    engine = context.template.engine
    if signed_in and not menu_html:
        return _render(engine, {**flags, **values, "menu": context.get("menu")}, context.autoescape)
    key = (get_language(), get_urlconf(), get_script_prefix(), context.autoescape, *flags.values())
    parts = _KEPT.get(key)
    if parts is None:
        if len(_KEPT) >= MAX_KEPT:
            _KEPT.clear()
        parts = _KEPT[key] = tuple(_render(engine, {**flags, **_SENTINELS}, context.autoescape).split(_MARK))
    html = parts[0]
    for i in range(1, len(parts), 2):  # text, slot, text, slot, ..., text
        html += values[parts[i]] + parts[i + 1]
    return SafeString(html)


def _slot_values(context, user, signed_in: bool) -> dict[str, str]:
    """The request's own values, as {% csrf_token %}, {{ request.get_full_path }} and {{ user }} render them."""
    token = context.get("csrf_token")
    request = context.get("request")
    return {
        # CsrfTokenNode: nothing without a token, nothing either for the "NOTPROVIDED" sentinel.
        "csrf_input": format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        if token and token != "NOTPROVIDED"
        else "",
        "next_path": conditional_escape(request.get_full_path()) if request is not None else "",
        "user_name": conditional_escape(str(user)) if signed_in else "",
    }


def _render(engine, values: dict, autoescape: bool) -> str:
    return engine.get_template(TEMPLATE).render(Context(values, autoescape=autoescape))


@receiver(setting_changed, dispatch_uid="huifang.core.kept_topbar")
def _forget_on_setting_changed(setting, **kwargs):
    if setting in _SETTINGS_THAT_CHANGE_THEM or setting == "TEMPLATES":
        _KEPT.clear()
