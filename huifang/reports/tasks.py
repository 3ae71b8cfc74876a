from django_tasks import task

from huifang.accounts.models import Store
from huifang.core import clock


@task()
def send_monthly_reports_task(month: str | None = None) -> int:
    """E-mail each store's KPI sheet of the previous month (or `month`, "YYYY-MM") to its director and managers."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from django.urls import reverse

    from huifang.followups.effectiveness import previous_month

    from .services import monthly_report_send

    now = clock.now()
    queued = 0
    for store in Store.objects.order_by("pk"):
        first = date.fromisoformat(f"{month}-01") if month else previous_month(now=now, tz=ZoneInfo(store.time_zone))
        link = f"{reverse('reports:monthly', args=[store.pk])}?month={first:%Y-%m}"
        queued += len(monthly_report_send(store=store, month=first, now=now, link=link))
    return queued
