from django_tasks import task

from huifang.accounts.models import Store
from huifang.core import clock

from .services import appointments_sweep


@task()
def sweep_appointments_task(store_id: int | None = None) -> dict[str, int]:
    """Arrivals, no-shows and day-before reminders of one store (or every store); returns the summed counts."""
    stores = Store.objects.all() if store_id is None else Store.objects.filter(pk=store_id)
    now = clock.now()
    totals: dict[str, int] = {}
    for store in stores.order_by("pk"):
        for key, count in appointments_sweep(store=store, now=now).items():
            totals[key] = totals.get(key, 0) + count
    return totals
