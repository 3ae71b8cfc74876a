from django_tasks import task

from huifang.core import clock


@task()
def deliver_message_task(message_id: int) -> str:
    """Send one outbox message (claimed by a guarded update, so a repeat does nothing); returns its status."""
    from .services import message_deliver

    return str(message_deliver(message_id=message_id, now=clock.now()).status)


@task()
def release_outbox_task() -> int:
    """Every minute: enqueue delivery of the due queued and held messages."""
    from .services import outbox_release_due

    return outbox_release_due(now=clock.now())
