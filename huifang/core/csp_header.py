"""django-csp's middleware with the policy headers built once per process (issue 18).

django-csp builds the Content-Security-Policy header again for every response (its settings copied, each
directive's list copied, sorted and joined, twice: the policy and the report-only one), about a sixth of the
CPU of the signed-in ping. The header depends only on the settings and on the response's nonce, so each
policy is built once with a slot where the nonce goes and each response fills in its own nonce (a new one per
response, as before: only the text around it is kept). What is kept is checked once against django-csp's own
header for a test nonce; a mismatch, and any response carrying a view's own policy (django-csp's decorators:
csp_update, csp_replace, ...), is built by django-csp as before. A changed CSP setting (tests) clears it.
Everything else is django-csp's process_response, rule for rule: the DEBUG exemption of 404/500, a response
marked exempt, a header already set, the excluded URL prefixes, and csp_nonce refused after the header.
"""

import http.client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# Never a real nonce (base64 has no "!"); replaced by the response's nonce.
_SLOT_VALUE = "!huifang-csp-nonce!"
NONCE_SLOT = f"'nonce-{_SLOT_VALUE}'"
_TEST_NONCE = "dGVzdC1ub25jZS0wMTIzNDU2Nw=="
# Attributes with which django-csp's decorators give a response its own policy.
_OWN_POLICY = frozenset(
    ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro")
)
_DEBUG_EXEMPT = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
_SETTINGS = {False: "CONTENT_SECURITY_POLICY", True: "CONTENT_SECURITY_POLICY_REPORT_ONLY"}

# report_only -> (policy with the nonce slot, policy without a nonce, excluded URL prefixes), or None when the
# kept text would not be django-csp's (then every response is built by django-csp).
_kept: dict = {}


def kept_policy(report_only: bool):
    try:
        return _kept[report_only]
    except KeyError:
        pass
    with_slot = build_policy(nonce=_SLOT_VALUE, report_only=report_only)
    without = build_policy(nonce=None, report_only=report_only)
    expected = build_policy(nonce=_TEST_NONCE, report_only=report_only)
    filled = with_slot.replace(NONCE_SLOT, f"'nonce-{_TEST_NONCE}'")
    kept = None
    if filled == expected and (NONCE_SLOT in with_slot or with_slot == without):
        prefixes = (getattr(settings, _SETTINGS[report_only], None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ()
        kept = (with_slot, without, tuple(prefixes))
    _kept[report_only] = kept
    return kept


@receiver(setting_changed, dispatch_uid="huifang.core.csp_header.settings")
def _settings_changed(*, setting, **kwargs):
    if setting in _SETTINGS.values():
        _kept.clear()


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's CSPMiddleware; the headers of a response without a policy of its own are kept text."""

    def process_response(self, request, response):
        if not _OWN_POLICY.isdisjoint(response.__dict__):
            return super().process_response(request, response)
        policy, report_only = kept_policy(False), kept_policy(True)
        if policy is None or report_only is None:
            return super().process_response(request, response)
        if response.status_code in _DEBUG_EXEMPT and settings.DEBUG:
            return response
        nonce = getattr(request, "_csp_nonce", None)
        for header, kept, exempt in (
            (HEADER, policy, "_csp_exempt"),
            (HEADER_REPORT_ONLY, report_only, "_csp_exempt_ro"),
        ):
            with_slot, without, prefixes = kept
            csp = with_slot.replace(NONCE_SLOT, f"'nonce-{nonce}'") if nonce else without
            if (
                csp
                and getattr(response, exempt, False) is False
                and header not in response
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = csp
        # As django-csp: once the header is written, asking for the nonce is an error, not a nonce left out.
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
