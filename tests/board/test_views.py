"""The board through HTTP: pairing, the cookie, revoking, who manages screens, and what the wall may show."""

import json
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import Membership
from huifang.audit.models import AuditEntry
from huifang.board import defaults, services
from huifang.board.models import BoardScreen
from huifang.core import clock
from huifang.core.signed_tokens import token_make
from tests.factories import StoreFactory, member

from .conftest import NOW, SECRET_PHONE


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    return NOW


def _pair(client, store, manager, name="看板电视"):
    """Create a screen as the manager and pair the test client's browser with its code; returns the screen."""
    screen, code = services.screen_create(store=store, name=name, actor=manager, now=clock.now())
    response = client.post(reverse("board:pair"), {"code": code})
    assert response.status_code == 302
    return screen


def _with_other_id(cookie: str, other_id: int) -> str:
    """The cookie's payload rewritten to name another screen, its signature kept."""
    payload, signature = cookie.rsplit(":", 1)
    secret = signing.Signer(salt=defaults.TOKEN_SALT).unsign_object(cookie)[1]
    rewritten = signing.b64_encode(json.dumps([other_id, secret], separators=(",", ":")).encode()).decode()
    assert rewritten != payload
    return f"{rewritten}:{signature}"


def _live_text(client) -> str:
    return client.get(reverse("board:live")).content.decode()


def test_manager_creates_a_screen_and_sees_its_one_time_code(client, store, manager, frozen):
    # given
    client.force_login(manager)
    # when
    response = client.post(reverse("board:screens", args=[store.pk]), {"name": "回访区电视"}, follow=True)
    # then the code and its link show once, and only its hash is stored
    screen = BoardScreen.objects.get(store=store)
    code = response.context["fresh"]["code"]
    assert len(code) == defaults.PAIRING_CODE_LENGTH
    assert code in response.content.decode()
    assert reverse("board:pair_code", args=[code]) in response.content.decode()
    assert code not in str(BoardScreen.objects.filter(pk=screen.pk).values().get())
    assert code not in client.get(reverse("board:screens", args=[store.pk])).content.decode()
    assert AuditEntry.objects.filter(object_id=screen.pk, action="create", actor=manager).exists()


def test_paired_screen_shows_the_board_without_login(client, store, manager, board_day, frozen):
    # given a browser with no user signed in
    screen = _pair(client, store, manager)
    # when
    text = _live_text(client)
    # then it shows store SZ01's figures, masked names and no phone
    assert 'id="calls-due">3<' in text
    assert 'id="calls-overdue">1<' in text
    assert 'id="complaints-open">4<' in text
    assert "赵**" in text and "赵大海" not in text
    assert SECRET_PHONE[3:] not in text and SECRET_PHONE[-4:] not in text
    assert "_auth_user_id" not in client.session
    screen.refresh_from_db()
    assert screen.paired_at == NOW and screen.paired_by == manager and screen.last_seen_at == NOW
    assert AuditEntry.objects.filter(object_id=screen.pk, changes__has_key="paired_at").exists()


def test_unpaired_browser_gets_no_data(client, store, board_day, frozen):
    for url in (reverse("board:index"), reverse("board:live")):
        response = client.get(url)
        text = response.content.decode()
        assert response.status_code == 200
        assert "calls-due" not in text and board_day["overdue"].number not in text
        assert "hx-get" not in text or url == reverse("board:live")


def test_revoked_screen_shows_not_paired_at_its_next_refresh(client, store, manager, board_day, frozen):
    # given
    screen = _pair(client, store, manager)
    assert "calls-due" in _live_text(client)
    # when the manager revokes it
    manager_client = client.__class__()
    manager_client.force_login(manager)
    manager_client.post(reverse("board:screen_revoke", args=[store.pk, screen.pk]))
    # then the same cookie shows no figures
    text = _live_text(client)
    assert "calls-due" not in text and "data-unpaired" in text
    assert board_day["overdue"].number not in client.get(reverse("board:index")).content.decode()
    screen.refresh_from_db()
    assert screen.revoked_by == manager and screen.secret_hash == ""
    assert AuditEntry.objects.filter(object_id=screen.pk, changes__has_key="revoked_at", actor=manager).exists()


def test_another_stores_screen_sees_only_its_own_store(client, store, other_store, board_day, frozen):
    # given a screen paired by the other store's manager
    other_manager = member(other_store, Role.SERVICE_MANAGER)
    _pair(client, other_store, other_manager, name="广州电视")
    # when
    text = _live_text(client)
    # then it shows the other store's three overdue calls and none of SZ01's complaints
    assert other_store.name in text and store.name not in text
    assert 'id="calls-overdue">3<' in text
    assert all(board_day[k].number not in text for k in board_day)


def test_tampered_or_forged_cookies_show_nothing(client, store, manager, board_day, frozen):
    screen = _pair(client, store, manager)
    good = client.cookies[defaults.COOKIE_NAME].value
    forged = {
        "altered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "other id, same signature": _with_other_id(good, screen.pk + 1),
        "right id, guessed secret": token_make(salt=defaults.TOKEN_SALT, record_id=screen.pk, nonce="guess"),
        "signed with another salt": signing.Signer(salt="huifang.surveys").sign_object([screen.pk, "x"]),
        "garbage": "not-a-cookie",
    }
    for label, value in forged.items():
        assert value != good, label
        client.cookies[defaults.COOKIE_NAME] = value
        assert "calls-due" not in _live_text(client), label
    client.cookies[defaults.COOKIE_NAME] = good
    assert "calls-due" in _live_text(client)


def test_pairing_again_unpairs_the_old_browser(client, store, manager, board_day, frozen):
    screen = _pair(client, store, manager)
    old_cookie = client.cookies[defaults.COOKIE_NAME].value
    code = services.screen_code_issue(screen=screen, actor=manager, now=NOW)
    new_client = client.__class__()
    assert new_client.post(reverse("board:pair"), {"code": code.lower()}).status_code == 302
    assert "calls-due" in _live_text(new_client)
    client.cookies[defaults.COOKIE_NAME] = old_cookie
    assert "calls-due" not in _live_text(client)


def test_codes_work_once_and_expire(client, store, manager, frozen, monkeypatch):
    screen, code = services.screen_create(store=store, name="电视", actor=manager, now=NOW)
    # the pairing link only fills the code in: a link preview cannot use it up
    page = client.get(reverse("board:pair_code", args=[code]))
    assert page.status_code == 200 and code in page.content.decode()
    assert BoardScreen.objects.get(pk=screen.pk).paired_at is None
    assert client.post(reverse("board:pair"), {"code": code}).status_code == 302
    second = client.__class__().post(reverse("board:pair"), {"code": code})
    assert second.status_code == 400 and defaults.COOKIE_NAME not in second.cookies
    # a fresh code is no good after its minutes
    late_code = services.screen_code_issue(screen=screen, actor=manager, now=NOW)
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(minutes=defaults.PAIRING_MINUTES, seconds=1))
    assert client.__class__().post(reverse("board:pair"), {"code": late_code}).status_code == 400


def test_revoked_screen_cannot_be_paired_with_an_old_code(client, store, manager, frozen):
    screen, code = services.screen_create(store=store, name="电视", actor=manager, now=NOW)
    services.screen_revoke(screen=screen, actor=manager, now=NOW)
    assert client.post(reverse("board:pair"), {"code": code}).status_code == 400


def test_pairing_guesses_are_rate_limited(client, db, frozen):
    statuses = [
        client.post(reverse("board:pair"), {"code": "AAAAAAAA"}).status_code
        for _ in range(defaults.PAIR_ATTEMPTS_LIMIT + 1)
    ]
    assert statuses[-2] == 400 and statuses[-1] == 429


def test_who_manages_screens(client, store, other_store, manager, director, specialist, outsider, frozen):
    url = reverse("board:screens", args=[store.pk])
    for user, status in ((manager, 200), (director, 200), (specialist, 403), (outsider, 403)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    # a manager of the other store gets 404 for this store's screens and cannot revoke them
    screen, _code = services.screen_create(store=store, name="电视", actor=manager, now=NOW)
    client.force_login(member(other_store, Role.SERVICE_MANAGER))
    assert client.get(url).status_code == 404
    assert client.post(reverse("board:screen_revoke", args=[store.pk, screen.pk])).status_code == 404
    other_url = reverse("board:screens", args=[other_store.pk])
    assert client.post(other_url.replace(str(other_store.pk), str(other_store.pk)), {"name": "x"}).status_code == 302
    assert BoardScreen.objects.get(pk=screen.pk).revoked_at is None


def test_board_page_polls_its_fragment_at_the_set_interval(client, store, manager, settings, frozen):
    settings.BOARD_REFRESH_SECONDS = 7
    _pair(client, store, manager)
    text = client.get(reverse("board:index")).content.decode()
    assert 'hx-trigger="every 7s"' in text and f'hx-get="{reverse("board:live")}"' in text
    assert 'data-stale-after="21"' in text


def test_live_fragment_costs_a_fixed_number_of_queries(
    client, store, manager, board_day, frozen, django_assert_num_queries
):
    _pair(client, store, manager)
    _live_text(client)  # the report policy row is created on the first read
    with django_assert_num_queries(12):
        _live_text(client)


def _screen(store, manager, name, *, pair_at=None, seen_at=None, revoke_at=None):
    """A screen created (and paired five minutes later, seen, revoked when asked) through the services."""
    created = (pair_at or NOW) - timedelta(minutes=5)
    screen, code = services.screen_create(store=store, name=name, actor=manager, now=created)
    if pair_at is not None:
        screen, _token = services.screen_pair(code=code, now=pair_at)
    if seen_at is not None:
        services.screen_seen(screen=screen, now=seen_at)
    if revoke_at is not None:
        services.screen_revoke(screen=screen, actor=manager, now=revoke_at)
    return screen


def test_store_list_shows_each_stores_screens_and_only_the_admins_stores(
    client, store, other_store, manager, frozen, django_assert_num_queries, settings
):
    # given a second store of the same group, and an administrator of the group's stores SZ01 and SZ03 only
    third = StoreFactory(code="SZ03", name="深圳第三家店", group=store.group)
    admin = member(store, Role.ADMIN, username="store_admin")
    Membership.objects.create(user=admin, role=Role.ADMIN, scope=Scope.STORE, store=third)
    # SZ01: one screen showing (seen 20 s ago), one paired but dark since yesterday, one code waiting, one revoked
    _screen(store, manager, "回访区电视", pair_at=NOW - timedelta(days=2), seen_at=NOW - timedelta(seconds=20))
    _screen(store, manager, "前台电视", pair_at=NOW - timedelta(days=2), seen_at=NOW - timedelta(days=1))
    services.screen_create(store=store, name="新电视", actor=manager, now=NOW - timedelta(minutes=5))
    _screen(store, manager, "旧电视", pair_at=NOW - timedelta(days=2), revoke_at=NOW - timedelta(days=1))
    # and another group's store with a showing screen
    other_manager = member(other_store, Role.SERVICE_MANAGER)
    _screen(other_store, other_manager, "外店电视", pair_at=NOW - timedelta(days=1), seen_at=NOW)
    client.force_login(admin)
    # when the administrator opens the board's store list (session, user with its roles, menu; the stores'
    # rows are one query, whatever the number of stores and screens)
    with django_assert_num_queries(4):
        response = client.get(reverse("board:settings_index"))
    # then a row per store of theirs, with its screens' state, and none of the other group's
    assert response.status_code == 200
    rows = {s.code: s for s in response.context["stores"]}
    assert sorted(rows) == ["SZ01", "SZ03"]
    sz01 = rows["SZ01"]
    assert (sz01.screens_paired, sz01.screens_showing, sz01.screens_waiting, sz01.screens_revoked) == (2, 1, 1, 1)
    assert sz01.last_seen == NOW - timedelta(seconds=20)
    assert (rows["SZ03"].screens_paired, rows["SZ03"].last_seen) == (0, None)
    text = response.content.decode()
    assert reverse("board:screens", args=[third.pk]) in text
    assert "外店电视" not in text and other_store.name not in text
    assert "已配对屏幕" in text  # Chinese first
    # and in English for whoever chose it
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Paired screens" in client.get(reverse("board:settings_index")).content.decode()


def test_store_list_sends_a_one_store_manager_to_the_screens_and_keeps_others_out(
    client, store, manager, specialist, frozen
):
    client.force_login(manager)
    assert client.get(reverse("board:settings_index")).url == reverse("board:screens", args=[store.pk])
    client.force_login(specialist)
    assert client.get(reverse("board:settings_index")).status_code == 403
