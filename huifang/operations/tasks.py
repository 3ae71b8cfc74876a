from django_tasks import task

from huifang.accounts.models import Store
from huifang.core import clock

from .services import lounge_missing_notify


@task()
def flag_missing_lounge_checklists_task() -> int:
    """Notify each store's care directors of yesterday's unsigned lounge checklist; returns how many were told."""
    now = clock.now()
    return sum(lounge_missing_notify(store=store, now=now) for store in Store.objects.order_by("pk"))


@task()
def send_campaign_task(campaign_id: int) -> str:
    """Queue one group message's outbox messages (a repeat finds it claimed and does nothing); returns its status."""
    from .campaigns import campaign_send

    return str(campaign_send(campaign_id=campaign_id, now=clock.now()).status)
