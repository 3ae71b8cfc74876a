"""The content security policy in a real browser (issue 8 §8): our pages' scripts run, injected ones do not."""

import pytest

from tests.browser.conftest import csp_violations

pytestmark = pytest.mark.browser


def test_the_policy_blocks_an_inline_script_and_the_detector_sees_it(browser, live_server, transactional_db):
    context = browser.new_context()
    tab = context.new_page()
    violations = csp_violations(tab)
    tab.goto(live_server.url + "/login/")
    # An inline script injected into our page is refused: the policy is in force in the browser.
    tab.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.injected = 1";
                   document.body.appendChild(s); }"""
    )
    tab.wait_for_timeout(200)
    assert tab.evaluate("() => window.injected") is None
    assert any("script-src" in v for v in violations), violations
    context.close()
