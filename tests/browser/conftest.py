"""Browser tests drive Debian's chromium through Playwright against pytest-django's live server."""

import os
from pathlib import Path

import pytest

SHOTS = Path(os.environ.get("HUIFANG_SHOTS", "/tmp/shots"))


def csp_violations(page) -> list[str]:
    """Collect what the content security policy blocked on `page` (Chromium logs each as a console error)."""
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            violations.append(msg.text) if msg.type == "error" and "Content Security Policy" in msg.text else None
        ),
    )
    return violations


@pytest.fixture
def page(browser, live_server, transactional_db):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    violations = csp_violations(page)
    yield page
    context.close()
    # Every browser test also proves the pages work under the CSP: nothing may have been blocked.
    assert violations == [], f"blocked by the content security policy: {violations}"


@pytest.fixture
def shot():
    """Save a full-page screenshot under /tmp/shots for a human to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def login(page, username: str, password: str) -> None:
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    # The start page is the role's dashboard; any page but the login form means signed in.
    page.wait_for_url(lambda url: "/login/" not in url)
