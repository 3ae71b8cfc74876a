"""Delivery providers, one per channel: SMTP e-mail, an HTTP SMS gateway, the console, printed letters."""

import json
import logging
import secrets
import smtplib
import sys
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .choices import ROBOT_CHANNEL, MessageChannel
from .models import OutboxMessage

logger = logging.getLogger("huifang.messaging")

# How much of a gateway's error response is kept in last_error.
ERROR_BODY_CHARS = 2000


class DeliveryError(Exception):
    """The provider did not accept the message; the text (with the provider's answer) goes to last_error."""


class DeliveryRefused(DeliveryError):
    """The provider refused the message for good (e.g. a robot's signature error): no retry, failed at once."""


class Provider(Protocol):
    def send(self, message: OutboxMessage, *, sender: str) -> str:
        """Hand the message over; return the provider's message id or raise DeliveryError."""
        ...


def gateway_message_id(message: OutboxMessage) -> str:
    """Our id for a message at the provider; the same on every retry so the gateway can drop repeats."""
    return f"huifang-{message.pk}"


class ConsoleProvider:
    """Development: write the message to the log and to stdout instead of sending it."""

    def send(self, message: OutboxMessage, *, sender: str) -> str:
        text = (
            f"[outbox {message.get_channel_display()}] #{message.pk} to={message.to_address} sender={sender}"
            f"{' subject=' + message.subject if message.subject else ''}\n{message.body}\n"
        )
        logger.info("console delivery %s", text)
        sys.stdout.write(text)
        return f"console-{message.pk}"


class EmailProvider:
    """E-mail through Django's mail backend: real SMTP in production, the console backend in development."""

    def send(self, message: OutboxMessage, *, sender: str) -> str:
        # Our id and 64 random bits: at most 72 characters with the header name, so the header is never folded
        # (make_msgid's timestamp, pid and 64-bit number made it 78+ at times, and a receiver then read the id
        # with the folding space in front).
        message_id = f"<{gateway_message_id(message)}.{secrets.token_hex(8)}@huifang.local>"
        email = EmailMessage(
            subject=message.subject or sender,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to_address],
            headers={"Message-ID": message_id},
            connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
        )
        try:
            accepted = email.send(fail_silently=False)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP: {exc!r}") from exc
        if accepted != 1:
            raise DeliveryError("SMTP: the server accepted no recipient")
        return message_id


class HttpSmsGateway:
    """SMS through an HTTP gateway: POST {to, text, sender, id} as JSON with the key in a header."""

    KEY_HEADER = "X-Api-Key"

    def __init__(self, *, url: str, key: str, timeout: float):
        if not url.startswith(("http://", "https://")):
            raise DeliveryError(f"SMS_GATEWAY_URL must be an http(s) URL, not {url!r}")
        self.url, self.key, self.timeout = url, key, timeout

    def send(self, message: OutboxMessage, *, sender: str) -> str:
        our_id = gateway_message_id(message)
        payload = {"to": message.to_address, "text": message.body, "sender": sender, "id": our_id}
        request = urllib.request.Request(  # noqa: S310 (the scheme is checked in __init__)
            self.url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", self.KEY_HEADER: self.key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = response.read(ERROR_BODY_CHARS).decode("utf-8", errors="replace")
        except urllib.error.HTTPError as exc:
            body = exc.read(ERROR_BODY_CHARS).decode("utf-8", errors="replace")
            raise DeliveryError(f"SMS gateway HTTP {exc.code}: {body}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"SMS gateway unreachable: {exc!r}") from exc
        try:
            data = json.loads(answer) if answer else {}
        except ValueError:
            data = {}
        if isinstance(data, dict):
            return str(data.get("message_id") or data.get("id") or our_id)
        return our_id


class LetterProvider:
    """Letters are printed from the mail-merge page; delivery puts them on the store's print list."""

    def send(self, message: OutboxMessage, *, sender: str) -> str:
        return f"letter-{message.pk}"


def provider_for(channel: str) -> Provider:
    """The configured provider of a channel (settings SMS_PROVIDER, EMAIL_BACKEND)."""
    if channel == MessageChannel.SMS:
        if settings.SMS_PROVIDER == "http":
            return HttpSmsGateway(
                url=settings.SMS_GATEWAY_URL, key=settings.SMS_GATEWAY_KEY, timeout=settings.SMS_GATEWAY_TIMEOUT
            )
        return ConsoleProvider()
    if channel == MessageChannel.EMAIL:
        return EmailProvider()
    if channel == MessageChannel.LETTER:
        return LetterProvider()
    if channel == ROBOT_CHANNEL:
        from huifang.robots.delivery import RobotProvider

        return RobotProvider(timeout=settings.ROBOT_TIMEOUT)
    raise DeliveryError(f"no provider for channel {channel!r}")
