"""What an import batch does when the worker running it dies (called by background.services).

The import writes in one transaction, so a dead worker leaves nothing half-written: the batch goes back to
waiting while the task is retried, or ends as failed with the reason once the retries are used up. It never
stays "running" after its process is gone (issue 16 §2, §4)."""

from datetime import datetime

from django.core.cache import cache

from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record

from ..choices import ImportStatus
from ..models import ImportBatch
from .run import bilingual


def _batch(kwargs: dict) -> ImportBatch | None:
    batch_id = kwargs.get("batch_id")
    return ImportBatch.objects.filter(pk=batch_id).first() if batch_id is not None else None


def task_retrying(*, kwargs: dict, now: datetime) -> int | None:
    """The batch waits again for the retried task (only if it was still running or waiting)."""
    batch = _batch(kwargs)
    if batch is None:
        return None
    if ImportBatch.objects.filter(pk=batch.pk, status__in=(ImportStatus.RUNNING, ImportStatus.PENDING)).update(
        status=ImportStatus.PENDING
    ):
        cache.set(f"import-progress:{batch.pk}", {"phase": "queued", "done": 0, "total": 0}, 3600)
        audit_record(
            obj=batch,
            action=AuditAction.UPDATE,
            at=now,
            actor=None,
            source="system",
            changes={"status": [batch.status, ImportStatus.PENDING], "reason": "worker lost; retrying"},
        )
    return batch.store_id


def task_failed(*, kwargs: dict, reason: str, now: datetime) -> int | None:
    """The batch ends as failed, naming why; nothing of it was saved."""
    batch = _batch(kwargs)
    if batch is None:
        return None
    error = bilingual("后台进程多次中断,未导入任何数据", "the worker running the import stopped; nothing was saved")
    if ImportBatch.objects.filter(pk=batch.pk, status__in=(ImportStatus.RUNNING, ImportStatus.PENDING)).update(
        status=ImportStatus.FAILED, error=f"{error}: {reason}", finished_at=now
    ):
        cache.set(f"import-progress:{batch.pk}", {"phase": ImportStatus.FAILED, "done": 0, "total": 0}, 3600)
        audit_record(
            obj=batch,
            action=AuditAction.UPDATE,
            at=now,
            actor=None,
            source="system",
            changes={"status": [batch.status, ImportStatus.FAILED], "reason": reason},
        )
    return batch.store_id
