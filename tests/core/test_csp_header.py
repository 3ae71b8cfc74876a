"""core.csp_header: the CSP headers kept per process are django-csp's own, response for response (the nonce
filled in per response), and every rule of django-csp's process_response still holds."""

import re

import pytest
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from huifang.core import csp_header
from huifang.core.csp_header import CSPMiddleware

REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", "'nonce'"], "report-uri": "/r"}}


def _pair(path="/x/", *, use_nonce=True, status=200, **attrs):
    """(ours, django-csp's) response and request for the same view."""
    out = []
    for middleware_class in (CSPMiddleware, DjangoCSPMiddleware):
        request = RequestFactory().get(path)

        def view(request):
            response = HttpResponse(
                f"<script nonce='{request.csp_nonce}'></script>" if use_nonce else "", status=status
            )
            for name, value in attrs.items():
                setattr(response, name, value)
            return response

        middleware = middleware_class(view)
        response = middleware(request)
        out.append((request, response))
    return out


def _same_headers(ours, theirs):
    (our_request, our_response), (their_request, their_response) = ours, theirs
    for header in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
        if header not in their_response:
            assert header not in our_response
            continue
        # Each response has its own nonce: the same text once the nonces are put aside.
        ours_text = our_response[header].replace(getattr(our_request, "_csp_nonce", "") or "\0", "N")
        theirs_text = their_response[header].replace(getattr(their_request, "_csp_nonce", "") or "\0", "N")
        assert ours_text == theirs_text


@pytest.mark.parametrize("use_nonce", [True, False])
@pytest.mark.parametrize("report_only", [None, REPORT_ONLY])
def test_the_kept_headers_are_django_csps(settings, use_nonce, report_only):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = report_only
    ours, theirs = _pair(use_nonce=use_nonce)
    _same_headers(ours, theirs)
    request, response = ours
    if use_nonce:
        assert f"'nonce-{request._csp_nonce}'" in response["Content-Security-Policy"]
        assert f"nonce='{request._csp_nonce}'" in response.content.decode()
    else:
        assert "nonce" not in response["Content-Security-Policy"]
    assert ("Content-Security-Policy-Report-Only" in response) == bool(report_only)


def test_each_response_has_its_own_nonce():
    nonces = set()
    for _ in range(5):
        (request, response), _theirs = _pair()
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert nonce == request._csp_nonce
        nonces.add(nonce)
    assert len(nonces) == 5


@pytest.mark.parametrize(
    "attrs",
    [
        {"_csp_exempt": True},
        {"_csp_update": {"img-src": ["https://example.com"]}},
        {"_csp_replace": {"script-src": ["'self'"]}},
        {"_csp_config": {"default-src": ["'none'"]}},
    ],
)
def test_a_response_exempt_or_with_its_own_policy_is_as_django_csp_makes_it(attrs):
    ours, theirs = _pair(**attrs)
    _same_headers(ours, theirs)
    if "_csp_update" in attrs:
        assert "https://example.com" in ours[1]["Content-Security-Policy"]


def test_a_header_already_set_and_an_excluded_prefix_are_left_alone(settings):
    request = RequestFactory().get("/x/")
    response = CSPMiddleware(lambda r: HttpResponse(headers={"Content-Security-Policy": "mine"}))(request)
    assert response["Content-Security-Policy"] == "mine"
    settings.CONTENT_SECURITY_POLICY = {**settings.CONTENT_SECURITY_POLICY, "EXCLUDE_URL_PREFIXES": ["/skip/"]}
    ours, theirs = _pair("/skip/page/")
    assert "Content-Security-Policy" not in ours[1] and "Content-Security-Policy" not in theirs[1]
    ours, theirs = _pair("/other/")
    _same_headers(ours, theirs)


def test_a_changed_setting_is_served_at_once(settings):
    _pair()  # kept
    with override_settings(
        CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["'none'"], "script-src": ["'self'", "'nonce'"]}}
    ):
        ours, theirs = _pair()
        _same_headers(ours, theirs)
        assert "default-src 'none'" in ours[1]["Content-Security-Policy"]
    ours, theirs = _pair()
    _same_headers(ours, theirs)
    assert "default-src 'self'" in ours[1]["Content-Security-Policy"]


def test_debug_404_and_500_carry_no_header_as_with_django_csp(settings):
    settings.DEBUG = True
    for status in (404, 500):
        ours, theirs = _pair(status=status)
        assert "Content-Security-Policy" not in ours[1] and "Content-Security-Policy" not in theirs[1]


def test_the_nonce_asked_after_the_header_is_an_error():
    (request, _response), _theirs = _pair(use_nonce=False)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_a_kept_text_that_is_not_django_csps_is_not_used(monkeypatch):
    monkeypatch.setattr(csp_header, "build_policy", lambda nonce=None, report_only=False: f"x {nonce}")
    csp_header._kept.clear()
    try:
        assert csp_header.kept_policy(False) is None
        ours, theirs = _pair()  # built by django-csp itself
        _same_headers(ours, theirs)
    finally:
        csp_header._kept.clear()


@pytest.mark.django_db
def test_the_site_serves_the_kept_header(client, specialist):
    from django.conf import settings

    assert "huifang.core.csp_header.CSPMiddleware" in settings.MIDDLEWARE
    assert "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE
    from csp.utils import build_policy

    client.force_login(specialist)
    for url in ("/login/", "/workbench/", "/workbench/ping/"):
        response = client.get(url)
        # The pages use no nonce (scripts are files): django-csp's header without one.
        assert getattr(response.wsgi_request, "_csp_nonce", None) is None
        assert response["Content-Security-Policy"] == build_policy() == csp_header.kept_policy(False)[1]
        assert "Content-Security-Policy-Report-Only" not in response
