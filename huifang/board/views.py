"""The team board (issue 19 §5): the wall screen's page and its auto-refreshing fragment (no login; a signed
cookie from pairing names the screen), the pairing page, and the store manager's screens (create, new code,
revoke)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from huifang.core import clock
from huifang.core.permissions import role_required
from huifang.core.throttle import rate_limited

from . import charts, defaults, rules, selectors, services
from .forms import PairForm, ScreenForm

NEW_CODE_KEY = "board_new_code"


def _refresh_seconds() -> int:
    # At least a second: "every 0s" would make htmx poll as fast as it can.
    return max(int(getattr(settings, "BOARD_REFRESH_SECONDS", defaults.REFRESH_SECONDS)), 1)


def _board_context(request) -> dict:
    """The screen the cookie names and, when it is paired, the store's figures now (noting the screen was seen)."""
    refresh = _refresh_seconds()
    context: dict = {"refresh": refresh, "stale_after": refresh * defaults.STALE_AFTER_REFRESHES}
    screen = selectors.screen_for_token(request.COOKIES.get(defaults.COOKIE_NAME))
    if screen is None:
        return context
    now = clock.now()
    services.screen_seen(screen=screen, now=now)
    figures = selectors.board_figures(store=screen.store, now=now)
    week = figures["week"]
    context.update(
        screen=screen,
        figures=figures,
        now=now,
        time_zone=screen.store.time_zone,
        reach_gauge=charts.gauge(
            value=figures["reach_today"], label=_("Reach rate today"), mark=week["reach_marks"][-1]
        ),
        css_gauge=charts.gauge(value=figures["css_today"], label=_("CSS today"), mark=week["css_marks"][-1]),
        reach_week=charts.week_bars(
            days=week["days"], values=week["reach"], marks=week["reach_marks"], label=_("Reach rate, last 7 days")
        ),
        css_week=charts.week_bars(
            days=week["days"], values=week["css"], marks=week["css_marks"], label=_("CSS, last 7 days")
        ),
    )
    return context


@never_cache
def board(request):
    """The full-screen board; it fetches fresh figures by itself every `refresh` seconds."""
    return render(request, "board/board.html", _board_context(request))


@never_cache
def live(request):
    """The board's figures (the fragment the screen polls); "not paired" once the screen is revoked."""
    return render(request, "board/_live.html", _board_context(request))


@never_cache
def pair(request, token: str = ""):
    """Pair this browser as a board screen with a one-time code: a signed cookie then shows the board without
    a login. Opening the pairing link only fills the code in; pairing is the POST, so a link preview cannot use it."""
    form = PairForm(request.POST or None, initial={"code": rules.normalise_code(token)})
    if request.method != "POST":
        return render(request, "board/pair.html", {"form": form})
    if rate_limited(
        request,
        scope="board-pair",
        limit=defaults.PAIR_ATTEMPTS_LIMIT,
        window_seconds=defaults.PAIR_ATTEMPTS_WINDOW_SECONDS,
    ):
        return render(request, "board/pair.html", {"form": form, "throttled": True}, status=429)
    paired = services.screen_pair(code=request.POST.get("code") or token, now=clock.now()) if form.is_valid() else None
    if paired is None:
        form.add_error(None, _("This code is not valid: it may be mistyped, used already or older than 15 minutes."))
        return render(request, "board/pair.html", {"form": form}, status=400)
    _screen, cookie = paired
    response = redirect("board:index")
    response.set_cookie(
        defaults.COOKIE_NAME,
        cookie,
        max_age=defaults.COOKIE_MAX_AGE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
    )
    return response


@role_required(*selectors.BOARD_ADMIN_ROLES)
def settings_index(request):
    """The store chooser, a row per store with its screens' state: with a single store, straight to its screens."""
    stores = list(selectors.board_store_rows(user=request.user, now=clock.now(), refresh_seconds=_refresh_seconds()))
    if len(stores) == 1:
        return redirect("board:screens", store_id=stores[0].pk)
    return render(request, "board/settings_index.html", {"stores": stores})


def _store(request, store_id: int):
    return get_object_or_404(selectors.board_stores_for(user=request.user), pk=store_id)


def _remember_code(request, screen, code: str) -> None:
    # Shown once on the next page and then forgotten; only its hash stays in the database.
    request.session[NEW_CODE_KEY] = {"screen": screen.pk, "code": code}


@role_required(*selectors.BOARD_ADMIN_ROLES)
def screens(request, store_id: int):
    """The store's screens: add one (and get its pairing code), see when each was last seen, revoke."""
    store = _store(request, store_id)
    form = ScreenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                screen, code = services.screen_create(
                    store=store, name=form.cleaned_data["name"], actor=request.user, now=clock.now()
                )
            except ValidationError as exc:
                form.add_error("name", exc.messages)
            else:
                _remember_code(request, screen, code)
                return redirect("board:screens", store_id=store.pk)
    new = request.session.pop(NEW_CODE_KEY, None)
    rows = list(selectors.screens_for(store=store))
    fresh = None
    if new and any(s.pk == new["screen"] for s in rows):
        fresh = {
            "screen": next(s for s in rows if s.pk == new["screen"]),
            "code": new["code"],
            "url": request.build_absolute_uri(reverse("board:pair_code", args=[new["code"]])),
            "pair_url": request.build_absolute_uri(reverse("board:pair")),
            "minutes": defaults.PAIRING_MINUTES,
        }
    context = {
        "store": store,
        "stores": selectors.board_stores_for(user=request.user),
        "screens": rows,
        "form": form,
        "fresh": fresh,
        "now": clock.now(),
        "board_url": request.build_absolute_uri(reverse("board:index")),
    }
    return render(request, "board/screens.html", context, status=status)


@require_POST
@role_required(*selectors.BOARD_ADMIN_ROLES)
def screen_code(request, store_id: int, screen_id: int):
    """A fresh pairing code for a screen (a new TV, or a browser whose cookie was cleared)."""
    store = _store(request, store_id)
    screen = get_object_or_404(selectors.screens_for(store=store), pk=screen_id)
    try:
        code = services.screen_code_issue(screen=screen, actor=request.user, now=clock.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        _remember_code(request, screen, code)
    return redirect("board:screens", store_id=store.pk)


@require_POST
@role_required(*selectors.BOARD_ADMIN_ROLES)
def screen_revoke(request, store_id: int, screen_id: int):
    """Unpair a screen: at its next refresh it shows "not paired" and no figures."""
    store = _store(request, store_id)
    screen = get_object_or_404(selectors.screens_for(store=store), pk=screen_id)
    services.screen_revoke(screen=screen, actor=request.user, now=clock.now())
    messages.success(
        request, _("Screen “%(name)s” revoked: it shows no figures from its next refresh.") % {"name": screen.name}
    )
    return redirect("board:screens", store_id=store.pk)
