"""Hardening (issue 8 §8): deploy checks, content security policy, idle timeout, login throttling."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from huifang.core.middleware import LAST_SEEN_KEY, wall_clock

from ..factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PYTEST"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x7Qp-" + "k3v9Zr8LmN2bWc4Td6Yh1Gs5Jf0Ua" * 2,
        DJANGO_ALLOWED_HOSTS="huifang.example.com",
        HUIFANG_VAR_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output, output


def test_development_settings_fail_check_deploy(tmp_path):
    """The same check does find problems in development mode, so the test above can fail."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PYTEST"))}
    env.update(DJANGO_DEBUG="1", HUIFANG_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client, specialist):
    client.force_login(specialist)
    for url in (reverse("login"), reverse("home")):
        response = client.get(url, follow=True)
        assert response.status_code == 200
        policy = _policy(response)
        assert policy["script-src"][0] == "'self'"
        assert "'unsafe-inline'" not in policy["script-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]


def test_api_docs_use_local_swagger_without_inline_script(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "cdn.jsdelivr.net" not in html
    assert not re.search(r"<script>", html)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(src|type=\"application/json\")\b)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
EVAL_FEATURES = re.compile(r"\bhx-on\b|hx-on:|hx-vals=['\"]js:|hx-vars=", re.I)


def test_no_template_has_inline_scripts_or_handlers():
    """script-src has no 'unsafe-inline': an inline <script> or onclick= would silently stop working."""
    offenders = []
    for path in sorted((ROOT / "huifang").rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, EVAL_FEATURES):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)[:60]}")
    assert offenders == []


@pytest.mark.django_db
def test_idle_session_is_signed_out(client, specialist):
    client.force_login(specialist)
    assert client.get(reverse("home")).status_code in (200, 302)
    session = client.session
    session[LAST_SEEN_KEY] = wall_clock() - django_settings.SESSION_IDLE_SECONDS - 60
    session.save()

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    response = client.get(response["Location"])
    assert "without activity" in response.content.decode() or "无操作" in response.content.decode()


@pytest.mark.django_db
def test_activity_keeps_the_session_but_the_bell_poll_does_not(client, specialist):
    client.force_login(specialist)
    client.get(reverse("home"))
    almost_idle = wall_clock() - django_settings.SESSION_IDLE_SECONDS + 120
    session = client.session
    session[LAST_SEEN_KEY] = almost_idle
    session.save()

    poll = client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="notification-bell")
    assert poll.status_code == 200
    assert client.session[LAST_SEEN_KEY] == almost_idle  # a background poll is not activity

    assert client.get(reverse("home"), follow=True).status_code == 200
    assert client.session[LAST_SEEN_KEY] > almost_idle  # a real request is


@pytest.mark.django_db
def test_idle_htmx_request_redirects_the_whole_page(client, specialist):
    client.force_login(specialist)
    client.get(reverse("home"))
    session = client.session
    session[LAST_SEEN_KEY] = 0
    session.save()
    response = client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER="notification-bell")
    assert response["HX-Redirect"] == reverse("login")


@pytest.mark.django_db
def test_login_is_locked_after_repeated_failures_with_a_clear_page(client, settings, specialist):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        response = client.post(reverse("login"), {"username": "specialist", "password": "wrong"})
        assert response.status_code == 200  # the form again, with the error
    response = client.post(reverse("login"), {"username": "specialist", "password": "wrong"})
    assert response.status_code == 429

    # Locked: even the right password does not sign in, and the page says why.
    response = client.post(reverse("login"), {"username": "specialist", "password": PASSWORD})
    assert response.status_code == 429
    assert not response.wsgi_request.user.is_authenticated
    assert 'id="lockout-message"' in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_successful_login_resets_the_failure_count(client, settings, specialist):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        client.post(reverse("login"), {"username": "specialist", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "specialist", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(2):
        client.post(reverse("login"), {"username": "specialist", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "specialist", "password": PASSWORD}).status_code == 302
