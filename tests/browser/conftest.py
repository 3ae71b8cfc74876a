"""Browser tests drive Debian's chromium through Playwright against pytest-django's live server."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("HUIFANG_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("HUIFANG_SHOTS", "/tmp/shots"))


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
def page(browser, live_server, transactional_db):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1360, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()


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
