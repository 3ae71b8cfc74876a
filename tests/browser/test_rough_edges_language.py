"""No English in the Chinese interface (issue 17 §4): every page a role can open — the menu and every page
the URL configuration has, filled with one store's calls, complaints, club and report data — is read
in zh-hans as each role, and any English word in the visible text fails the test with the page named.

A client walker, not a browser: it reads the same HTML the browser shows (scripts, styles, hidden
templates and the language switch excluded) and covers every role in one run."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.archive.services import contact_phone_reveal, phone_reveal
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record
from huifang.core import clock
from huifang.navigation import menu_for

from ..factories import UserFactory, member
from ..test_tenancy import StoreA, project_urls, store_a  # noqa: F401  (store_a is a fixture)

# Words that stay as they are in a Chinese interface: acronyms and names of formats and standards.
ALLOWED = {
    "VIN", "CSS", "KPI", "KPIs", "PDCA", "SMS", "API", "PDF", "XLSX", "CSV", "ID", "IDs", "OEM", "RBO",
    "DMS", "PIPL", "RMB", "km", "Huifang", "4S", "OK", "RO", "TS", "URL", "JSON", "Excel", "WPS", "ZIP",
    "UTF", "BOM", "GBK", "HH", "MM", "YYYY", "DD", "AM", "PM", "QQ", "WeChat", "DingTalk", "WeCom",
    # the group robot's words as DingTalk's and WeCom's own Chinese screens show them (Webhook, SEC… secret)
    "Webhook", "SEC",
    # the seed 004 complaint category codes (S, SA, SQ, SP, OT) and the pinyin example of the search box
    "SA", "SQ", "SP", "OT", "zs", "zhangsan",
}  # fmt: skip
ALLOWED_UPPER = {word.upper() for word in ALLOWED}
# Text the walker skips: machine data shown as such (codes, numbers, addresses, tokens, user names).
SKIP_TAGS = {"script", "style", "template", "code", "kbd", "pre", "textarea", "option", "noscript"}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")


class VisibleText(HTMLParser):
    """The text a reader sees: no script/style/code, nothing marked hidden or `data-i18n-skip`."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "col", "area", "base", "wbr", "track"}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skip = tag in SKIP_TAGS or "hidden" in attrs or "data-i18n-skip" in attrs or (self.stack and self.stack[-1][1])
        for name in ("placeholder", "title", "aria-label", "alt"):
            if attrs.get(name) and not skip:
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value") and not skip:
            self.parts.append(attrs["value"])
        if tag not in self.VOID:
            self.stack.append((tag, bool(skip)))

    def handle_endtag(self, tag):
        while self.stack:
            top, _ = self.stack.pop()
            if top == tag:
                break

    def handle_data(self, data):
        if not (self.stack and self.stack[-1][1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    # E-mail addresses, web addresses, file names and codes with digits are data, not words.
    text = re.sub(
        r"\{\w+(?:\}|…|\.\.\.)", " ", text
    )  # a message template's placeholders ({customer}) are names for machines
    return re.sub(r"\S+@\S+|https?://\S+|/\S*|\b\S*\d\S*\b|\S+\.(?:csv|xlsx|pdf|mp3|jpg|txt|zip)\b", " ", text)


def english_words(html: str) -> set[str]:
    return {w for w in WORD.findall(visible_text(html)) if w.strip("'’").upper() not in ALLOWED_UPPER}


def where(html: str, words: set[str]) -> str:
    """Each word with a little of the text around it, so the failure names what to translate."""
    text = re.sub(r"\s+", " ", visible_text(html))
    shown = []
    for word in sorted(words):
        at = re.search(rf"\b{re.escape(word)}\b", text)
        shown.append(f"{word} «{text[max(at.start() - 30, 0) : at.end() + 30]}»" if at else word)
    return "; ".join(shown)


def test_visible_text_reader_finds_english_and_skips_code():
    # given
    html = (
        '<p>状态 On-going 未有结论</p><script>var x = "Hidden";</script><code>zs</code>'
        '<input placeholder="Search customers"><p>VIN 与 CSS</p><div hidden>Later</div>'
    )
    # when
    words = english_words(html)
    # then
    assert words == {"On", "going", "Search", "customers"}


ROLES = [
    Role.CARE_SPECIALIST,
    Role.SERVICE_ADVISOR,
    Role.SERVICE_MANAGER,
    Role.SALES_MANAGER,
    Role.CARE_DIRECTOR,
    Role.GROUP_MANAGER,
    Role.OEM_REGIONAL,
    Role.ADMIN,
]


def _user_with(role: str, store):
    if role == Role.GROUP_MANAGER:
        user = UserFactory()
        Membership.objects.create(user=user, role=role, scope=Scope.GROUP, group=store.group)
        return user
    if role == Role.OEM_REGIONAL:
        user = UserFactory()
        Membership.objects.create(user=user, role=role, scope=Scope.REGION, region=store.region)
        return user
    return member(store, role)


def _pages(data: StoreA) -> list[str]:
    """Every page the URL configuration has (outside the API and downloads), filled with store A's ids."""
    urls = []
    for url, _name in project_urls(data):
        if url.startswith(("/api/", "/s/", "/healthz")) or url.endswith(("/pdf/", ".pdf", "/xlsx/", "/csv/")):
            continue
        urls.append(url)
    return urls


def _access_log_entries(data: StoreA, actor) -> None:
    """One entry of each kind the access log shows, written the way the screens write them."""
    now = clock.now()
    phone_reveal(customer=data.customer, field="mobile", actor=actor, now=now)
    contact_phone_reveal(contact=data.contact, actor=actor, now=now)
    for changes in ({"export": "recording"}, {"export": "attachment 1"}, {"data_rights_export": {"customer": 1}}):
        audit_record(obj=data.customer, action=AuditAction.EXPORT, at=now, actor=actor, changes=changes)


@pytest.mark.parametrize("role", ROLES)
def test_no_english_in_the_chinese_interface(client, store_a, role):  # noqa: F811
    # given a user of the role, reading in Chinese, and an access log with entries
    user = _user_with(role, store_a.store)
    _access_log_entries(store_a, user)
    client.force_login(user)
    client.cookies["django_language"] = "zh-hans"
    menu = [reverse(item.url_name) for item in menu_for({role})]
    pages = list(dict.fromkeys([*menu, *_pages(store_a)]))
    # when every page is opened
    found: dict[str, str] = {}
    opened = 0
    for url in pages:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        opened += 1
        words = english_words(response.content.decode())
        if words:
            found[url] = where(response.content.decode(), words)
    # then no English word is visible on any of them
    assert opened >= len(menu)
    assert found == {}, "\n".join(f"{url}: {words}" for url, words in found.items())


def test_error_pages_are_chinese_with_the_menu(client, store_a):  # noqa: F811
    # given a care specialist reading in Chinese
    client.force_login(member(store_a.store, Role.CARE_SPECIALIST))
    client.cookies["django_language"] = "zh-hans"
    # when a page that does not exist and a page the role may not open are asked for
    missing = client.get("/no-such-page/")
    denied = client.get(reverse("privacy:access_log"))
    # then both say so in Chinese, inside the usual page with its menu
    assert missing.status_code == 404 and denied.status_code == 403
    for response, heading in ((missing, "找不到这个页面"), (denied, "没有权限打开这个页面")):
        html = response.content.decode()
        assert heading in html
        assert 'class="mainnav"' in html and "回访工作台" in html
        assert english_words(html) == set()


def test_server_error_page_is_chinese_with_the_menu(rf, store_a):  # noqa: F811
    # given a signed-in care specialist whose request failed
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import translation

    from huifang.error_pages import server_error

    request = rf.get("/workbench/")
    request.user = member(store_a.store, Role.CARE_SPECIALIST)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    # when the 500 page is rendered
    with translation.override("zh-hans"):
        response = server_error(request)
    # then it is the usual page with its menu, in Chinese
    html = response.content.decode()
    assert response.status_code == 500
    assert "系统出错了" in html and 'class="mainnav"' in html and "回访工作台" in html
    assert english_words(html) == set()
