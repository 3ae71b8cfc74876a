"""The outbox provider of the ROBOT channel: POST the markdown to the store's DingTalk or WeCom group robot."""

import json
import time
import urllib.error
import urllib.request

from huifang.messaging.models import OutboxMessage
from huifang.messaging.providers import ERROR_BODY_CHARS, DeliveryError, DeliveryRefused

from . import rules, sealing
from .choices import Platform
from .models import RobotSettings


def _webhook(robot: RobotSettings, *, timestamp_ms: int) -> str:
    """The URL to POST to: the webhook, signed for DingTalk when the store set a 加签 secret."""
    try:
        url, secret = sealing.unseal(robot.webhook_sealed), sealing.unseal(robot.secret_sealed)
    except sealing.Unreadable as exc:
        raise DeliveryRefused(f"机器人地址无法读取，请重新填写 / {exc}") from exc
    if robot.platform == Platform.DINGTALK:
        return rules.signed_url(url, secret=secret, timestamp_ms=timestamp_ms)
    return url


class RobotProvider:
    """Work-group robots answer {"errcode": 0, "errmsg": "ok"}; a rate limit is retried, other codes fail."""

    def __init__(self, *, timeout: float):
        self.timeout = timeout

    def send(self, message: OutboxMessage, *, sender: str) -> str:
        # The settings are read when sending, so a robot turned off (or moved to another group) meanwhile
        # gets nothing more; the message fails with that reason instead.
        robot = RobotSettings.objects.filter(store_id=message.store_id).first()
        if robot is None or not robot.enabled or not robot.configured:
            raise DeliveryRefused("工作群机器人已关闭 / the store's work-group robot is off")
        body = rules.payload(robot.platform, title=message.subject, text=message.body)
        request = urllib.request.Request(  # noqa: S310 (the address was checked against the platform's base when saved)
            _webhook(robot, timestamp_ms=int(time.time() * 1000)),
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(ERROR_BODY_CHARS)
        except urllib.error.HTTPError as exc:
            text = exc.read(ERROR_BODY_CHARS).decode("utf-8", errors="replace")
            raise DeliveryError(f"robot HTTP {exc.code}: {text}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"robot unreachable: {exc!r}") from exc
        answer = rules.read_answer(raw)
        if answer.ok:
            return f"robot-{message.pk}"
        if answer.retry:
            raise DeliveryError(f"{robot.get_platform_display()} {answer.reason}")
        raise DeliveryRefused(f"{robot.get_platform_display()} {answer.reason}")
