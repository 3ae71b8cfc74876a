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


@task()
def import_dms_task(batch_id: int, columns: dict | None = None) -> int:
    """Run one uploaded DMS import (or dry run); `columns` is the mapping chosen for this upload only."""
    from .importing.services import dms_import_batch

    return dms_import_batch(batch_id=batch_id, mapping=columns).rows_total
