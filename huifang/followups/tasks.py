from django_tasks import task

from huifang.accounts.models import Store
from huifang.calendars.reminders import reminders_move_to_open_days
from huifang.core import clock

from .sweeps import sweep_run


@task()
def run_followups_task(store_id: int | None = None, kinds: list[str] | None = None) -> dict[str, int]:
    """Sweep one store (or every store) for due follow-up tasks; returns {kind: created} summed over stores."""
    stores = Store.objects.all() if store_id is None else Store.objects.filter(pk=store_id)
    now = clock.now()
    totals: dict[str, int] = {}
    for store in stores:
        for kind, count in sweep_run(store=store, now=now, kinds=tuple(kinds) if kinds else None).items():
            totals[kind] = totals.get(kind, 0) + count
        reminders_move_to_open_days(store=store, now=now)  # those due on a closed day: its next open day
    return totals


@task()
def send_effectiveness_reports_task(month: str | None = None) -> int:
    """E-mail each store's reminder effectiveness of the previous month (or `month`, "YYYY-MM") to its managers."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from .effectiveness import effectiveness_report_send, previous_month

    now = clock.now()
    queued = 0
    for store in Store.objects.order_by("pk"):
        first = date.fromisoformat(f"{month}-01") if month else previous_month(now=now, tz=ZoneInfo(store.time_zone))
        queued += len(effectiveness_report_send(store=store, month=first, now=now))
    return queued
