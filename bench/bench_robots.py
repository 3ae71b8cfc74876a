"""Time what the work-group robots add: the escalation sweep with the store's robot on vs off, and delivering
the group messages through the outbox vs hand-written signed POSTs to the same local fake DingTalk.

DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_robots .venv/bin/python bench/bench_robots.py --complaints 500

Two new stores get N complaints each, taken at T0. The escalation sweep at T0 + 25 h escalates one store's
complaints with its robot off (baseline), then the other store's with its robot on (one outbox message per
escalation, queued in the escalation's transaction). The N group messages are then delivered one by one
with `message_deliver` (sign, POST, read the answer, mark sent) to a local fake of DingTalk's robot that
checks every signature; the baseline POSTs the same N signed bodies with urllib, nothing else.
"""

import argparse
import base64
import hashlib
import hmac
import json
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

from common import ROOT, bench_store, database_label, report, setup_django, timer

SECRET = "SECbench0123456789"
TOKEN = "benchrobot0123456789"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--complaints", type=int, default=500)
    args = parser.parse_args()
    setup_django()
    sys.path.insert(0, str(ROOT))
    from django.conf import settings

    from huifang.accounts.choices import Role, Scope
    from huifang.accounts.models import Membership, User
    from huifang.complaints.services import complaint_intake, complaints_escalate_due
    from huifang.messaging.choices import ROBOT_CHANNEL, MessageStatus
    from huifang.messaging.models import OutboxMessage
    from huifang.messaging.services import message_deliver
    from huifang.robots import services as robots
    from tests.robots.conftest import FakeRobot, _dingtalk_check, _serve

    fake = FakeRobot("dingtalk", groups={TOKEN: SECRET})
    server = _serve(fake, "/robot/send", _dingtalk_check)
    settings.ROBOT_DINGTALK_BASE = fake.base
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # deliveries timed below

    t0 = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0) - timedelta(days=2)
    stamp = int(time.time())
    stores = {}
    for label in ("off", "on"):
        store = bench_store(f"ROBOT{label.upper()}{stamp}")
        user = User.objects.create(username=f"bench-{label}-{stamp}", display_name=f"专员{label}")
        Membership.objects.create(user=user, role=Role.CARE_SPECIALIST, scope=Scope.STORE, store=store)
        boss = User.objects.create(username=f"bench-mgr-{label}-{stamp}", display_name=f"经理{label}")
        Membership.objects.create(user=boss, role=Role.SERVICE_MANAGER, scope=Scope.STORE, store=store)
        for i in range(args.complaints):
            complaint_intake(
                store=store, actor=user, now=t0, owner=user, channel="phone", category="SA",
                content=f"保养后车辆有异响 {i}", customer_name=f"王{i}",
            )  # fmt: skip
        stores[label] = store
    robots.settings_update(
        store=stores["on"], actor=None, now=t0, enabled=True, platform="dingtalk", post_brief=False,
        brief_time=dtime(8, 30), post_escalations=True, post_major=True, post_hot=True,
        webhook=fake.webhook(TOKEN), secret=SECRET,
    )  # fmt: skip

    # The sweep escalates every due complaint of every store: time each store's batch on its own.
    from huifang.complaints.models import Complaint

    later = t0 + timedelta(hours=25)
    # Only escalations are timed: every customer was contacted in time (no first-contact reminders).
    Complaint.objects.filter(store__in=list(stores.values())).update(first_contacted_at=t0 + timedelta(hours=1))
    Complaint.objects.filter(store=stores["on"]).update(level_due_at=later + timedelta(days=365))
    with timer() as off_time:
        off_counts = complaints_escalate_due(now=later)
    Complaint.objects.filter(store=stores["on"]).update(level_due_at=t0 + timedelta(hours=24))
    with timer() as on_time:
        on_counts = complaints_escalate_due(now=later)
    messages = list(
        OutboxMessage.objects.filter(store=stores["on"], channel=ROBOT_CHANNEL)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert off_counts["escalated"] == on_counts["escalated"] == args.complaints, (off_counts, on_counts)
    assert len(messages) == args.complaints, len(messages)

    # Delivery through the outbox vs the same number of hand-written signed POSTs.
    # The escalations came as a burst, so their messages are paced 6 s apart: deliver as from an hour later.
    due = later + timedelta(hours=1)
    with timer() as deliver_time:
        for pk in messages:
            message_deliver(message_id=pk, now=due)
    sent = OutboxMessage.objects.filter(pk__in=messages, status=MessageStatus.SENT).count()
    received = len(fake.received)
    body = json.dumps({"msgtype": "markdown", "markdown": {"title": "t", "text": "x" * 400}}).encode()
    with timer() as raw_time:
        for _ in messages:
            ts = int(time.time() * 1000)
            digest = hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()
            sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
            url = f"{fake.webhook(TOKEN)}&timestamp={ts}&sign={sign}"
            request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (local fake)
                response.read()
    server.shutdown()
    assert sent == received == args.complaints and not fake.refused, (sent, received, len(fake.refused))

    n = args.complaints
    print(f"database: {database_label()}; {n} complaints per store")
    print(f"escalation sweep, robot off: {off_time():.2f} s ({off_time() / n * 1000:.1f} ms per escalation)")
    print(f"escalation sweep, robot on:  {on_time():.2f} s ({on_time() / n * 1000:.1f} ms per escalation)")
    print(f"  ratio on/off: {on_time() / off_time():.2f}x")
    print(f"delivery through the outbox: {deliver_time():.2f} s ({deliver_time() / n * 1000:.1f} ms per message)")
    print(f"hand-written signed POSTs:   {raw_time():.2f} s ({raw_time() / n * 1000:.1f} ms per message)")
    print(f"  ratio outbox/raw: {deliver_time() / raw_time():.2f}x; the fake verified {received} signatures")
    report(
        "robots",
        on_time() + deliver_time(),
        complaints=n,
        sweep_off_s=round(off_time(), 2),
        sweep_on_s=round(on_time(), 2),
        deliver_s=round(deliver_time(), 2),
        raw_post_s=round(raw_time(), 2),
    )


if __name__ == "__main__":
    main()
