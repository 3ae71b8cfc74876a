from django_tasks import task

from huifang.accounts.models import Store
from huifang.core import clock

from .services import vehicle_figures_refresh


@task()
def refresh_vehicle_figures_task(store_id: int | None = None) -> int:
    """Nightly: derived figures of every vehicle of one store (or of all stores)."""
    stores = Store.objects.all() if store_id is None else Store.objects.filter(pk=store_id)
    today = clock.today()
    return sum(vehicle_figures_refresh(store=store, today=today) for store in stores)
