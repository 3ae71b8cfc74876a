import os
from pathlib import Path

import pytest

from huifang.accounts.choices import Role
from huifang.core import clock
from huifang.core import middleware as _middleware  # noqa: F401  (connects the login receiver before any request)

from .factories import StoreFactory, member

# Playwright's sync API runs an event loop; Django must still allow ORM calls from tests using it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# The production hasher (PBKDF2, a million rounds) costs about a second per user created or signed in;
# tests create hundreds. Hashing strength is Django's concern, not the suite's.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_cache(settings, tmp_path):
    if os.environ.get("HUIFANG_TEST_SLOW_HASHER") != "1":
        settings.PASSWORD_HASHERS = FAST_HASHERS
    # A LOCATION of its own per test: local-memory caches share their storage by LOCATION within a process, so
    # the public pages' rate-limit counters of one test would otherwise count against the next.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _default_language():
    # A request in English leaves that language active in the thread; a service called next (as a worker
    # would, with no request) must see the product's default language, not the previous test's.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def store(db):
    return StoreFactory(code="SZ01", name="深圳测试斯柯达4S店")


@pytest.fixture
def other_store(db):
    return StoreFactory(code="GZ02", name="广州另一家4S店")


@pytest.fixture
def specialist(store):
    return member(store, Role.CARE_SPECIALIST, username="specialist")


@pytest.fixture
def manager(store):
    return member(store, Role.SERVICE_MANAGER, username="manager")


@pytest.fixture
def director(store):
    return member(store, Role.CARE_DIRECTOR, username="director")


@pytest.fixture
def outsider(other_store):
    """A care specialist of another store: must get 404/403 on everything of `store`."""
    return member(other_store, Role.CARE_SPECIALIST, username="outsider")


# The browser lives here, not in tests/browser/conftest.py, so browser tests elsewhere (tests/core/
# test_security_browser.py) share the one Playwright session.
CHROMIUM = Path(os.environ.get("HUIFANG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    # A missing browser is a broken test set-up, not a reason to pass quietly.
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make browsers` (apt-get install chromium fonts-noto-cjk) "
            "or set HUIFANG_CHROMIUM to the browser's path.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def frozen_clock(monkeypatch, now):
    """Services read the time from core.clock; pin it to the folder's `now` (tests move it with .set)."""

    class Frozen:
        value = now

        def set(self, value):
            self.value = value

    frozen = Frozen()
    monkeypatch.setattr(clock, "now", lambda: frozen.value)
    return frozen


@pytest.fixture
def immediate_tasks(settings):
    """Background tasks run at once, in the test's own transaction."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
