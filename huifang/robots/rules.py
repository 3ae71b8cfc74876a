"""Pure rules of the robots: the DingTalk signature, webhook checks, message bodies, answers, masking."""

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit

from . import defaults
from .choices import Platform


class WebhookError(ValueError):
    """A webhook address that is not the platform's robot address."""


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: HMAC-SHA256 of "timestamp\\nsecret" keyed with the secret, base64, URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def signed_url(url: str, *, secret: str, timestamp_ms: int) -> str:
    """The DingTalk webhook with `timestamp` and `sign` appended (the URL unchanged without a secret)."""
    if not secret:
        return url
    # The sign is URL-encoded already (DingTalk's own recipe), so it is appended as is.
    return f"{url}&{urlencode({'timestamp': timestamp_ms})}&sign={dingtalk_sign(secret, timestamp_ms)}"


def check_webhook(platform: str, url: str, *, base: str) -> str:
    """The webhook, stripped; raises WebhookError unless it is `base` + the platform's robot path with its token."""
    url = (url or "").strip()
    path, param = (
        (defaults.DINGTALK_PATH, defaults.DINGTALK_TOKEN_PARAM)
        if platform == Platform.DINGTALK
        else (defaults.WECOM_PATH, defaults.WECOM_TOKEN_PARAM)
    )
    example = f"{base}{path}?{param}=…"
    parts = urlsplit(url)
    expected = urlsplit(base)
    if (parts.scheme, parts.netloc, parts.path) != (expected.scheme, expected.netloc, path) or parts.fragment:
        raise WebhookError(example)
    token = parse_qs(parts.query).get(param, [""])[0]
    if not re.fullmatch(r"[A-Za-z0-9_\-]{8,200}", token):
        raise WebhookError(example)
    return url


def masked_webhook(url: str) -> str:
    """The address with its token hidden but its last 4 characters, for the settings screen."""
    if not url:
        return ""
    head, _sep, token = url.rpartition("=")
    return f"{head}=••••{token[-4:]}" if head else "••••"


def payload(platform: str, *, title: str, text: str) -> dict:
    """The markdown message body of the platform's robot contract."""
    if platform == Platform.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


@dataclass(frozen=True)
class Answer:
    ok: bool
    retry: bool
    reason: str


def read_answer(raw: bytes | str) -> Answer:
    """A robot's answer {"errcode": 0, "errmsg": "ok"}: sent, try again later (rate limit), or refused."""
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        return Answer(False, True, f"unreadable answer: {str(raw)[:200]!r}")
    if not isinstance(data, dict) or "errcode" not in data:
        return Answer(False, True, f"unexpected answer: {str(data)[:200]}")
    try:
        code = int(data["errcode"])
    except (TypeError, ValueError):
        return Answer(False, True, f"unexpected errcode: {data['errcode']!r}")
    if code == 0:
        return Answer(True, False, "")
    reason = f"errcode {code}: {str(data.get('errmsg', ''))[:300]}"
    return Answer(False, code in defaults.RETRY_ERRCODES, reason)


def mask_name(name: str) -> str:
    """张三丰 → 张**: the family name only (the length is hidden too); empty stays empty."""
    name = (name or "").strip()
    return f"{name[0]}**" if name else ""


# A mobile (138 1234 5678), a landline (0755-8888 1234) or any run of 7+ digits, with an optional +86; dates
# (2026-11-26 10:00) and plates (粤B12345) are not phone numbers and stay.
_PHONE = re.compile(
    r"(?<!\d)(?:\+?86[ \-]?)?(?:1\d{2}[ \-]?\d{4}[ \-]?\d{4}|0\d{2,3}[ \-]?\d{3,4}[ \-]?\d{4}|\d{7,})(?!\d)"
)


def scrub_numbers(text: str) -> str:
    """Free text (a note, a reason) without anything that looks like a phone number: 138 1234 5678 → ***."""
    return _PHONE.sub("***", text or "")


def fit(text: str, limit: int = defaults.MAX_TEXT_BYTES) -> str:
    """The text cut to `limit` UTF-8 bytes (on a character boundary) with an ellipsis when cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def paced(now: datetime, latest: datetime | None, spacing: timedelta) -> datetime:
    """When the next group message may go: now, or `spacing` after the latest one still in the pacing window."""
    if latest is None or latest + spacing <= now:
        return now
    return latest + spacing


def brief_due(*, local_now: datetime, brief_time: time, last_brief_day: date | None) -> bool:
    """The daily brief is due once its time has come on this store-local day and it has not gone out today."""
    return local_now.time() >= brief_time and last_brief_day != local_now.date()


def percent(value) -> str:
    """A percentage (reports.rules.rate, 0–100) as "83.3%", or "—" when there is nothing to divide by."""
    if value is None:
        return "—"
    return f"{float(value):.1f}%"
