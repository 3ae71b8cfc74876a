"""Request middleware: Chinese-first UI and the idle session timeout."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils.translation import gettext as _

LAST_SEEN_KEY = "_last_seen"
# The last-seen time is written at most once a minute, so most requests do not write the session.
LAST_SEEN_GRANULARITY = 60
# htmx requests that the page makes by itself (the notification bell's poll) are not the user's activity.
BACKGROUND_TRIGGERS = frozenset({"notification-bell"})


class ChineseFirstMiddleware:
    """Chinese first: the browser's Accept-Language does not switch the UI; the language switch (cookie) does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Signs a user out after SESSION_IDLE_SECONDS without a request of their own (issue 8 §8).

    SESSION_COOKIE_AGE alone cannot do it: the bell polls every minute and would keep an abandoned
    workstation signed in for ever, so background polls do not move the last-seen time.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = wall_clock()
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is None:
                request.session[LAST_SEEN_KEY] = now
            elif now - last_seen > settings.SESSION_IDLE_SECONDS:
                return self._signed_out(request)
            elif now - last_seen >= LAST_SEEN_GRANULARITY and not _is_background_poll(request):
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    def _signed_out(self, request):
        logout(request)
        minutes = settings.SESSION_IDLE_SECONDS // 60
        messages.info(
            request, _("You were signed out after %(minutes)d minutes without activity.") % {"minutes": minutes}
        )
        if request.path.startswith("/api/"):
            return HttpResponse(status=401)
        if request.headers.get("HX-Request"):
            return HttpResponse(status=204, headers={"HX-Redirect": resolve_url(settings.LOGIN_URL)})
        return redirect_to_login(request.get_full_path())


def wall_clock() -> int:
    """Seconds since the epoch. Idleness is real time at the keyboard, not the business clock
    (core.clock), which tests move freely."""
    return int(time.time())


def _is_background_poll(request) -> bool:
    return request.headers.get("HX-Trigger") in BACKGROUND_TRIGGERS


@receiver(user_logged_in, dispatch_uid="huifang.core.last_seen_at_login")
def _mark_login_activity(sender, request, user, **kwargs):
    """Signing in is activity: stamped here it is saved with the new session, no extra write later."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = wall_clock()
