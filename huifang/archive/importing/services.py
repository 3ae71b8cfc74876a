"""DMS import: the file streamed through fixed batches of rows, all in one transaction with its report.

Each batch (importing.streaming) parses its rows, rejects bad ones (a bad line rejects its whole repair
order), resolves the customer, vehicle and order keys against the archive, compares field by field and
writes only what is new or changed, set-based, with one audit entry per created or changed record.
A dry run does the same and rolls its writes back, keeping the report of what would happen.
"""

import hashlib
import logging
import os
import socket
from datetime import timedelta
from pathlib import Path

from django.core.cache import cache
from django.db import transaction

from huifang.core import clock

from .. import defaults
from ..choices import ImportStatus
from ..models import ImportBatch, ImportMapping, ImportRejection
from .fields import FIELDS_BY_NAME, match_headers
from .limits import LimitExceeded, limits_for
from .parsing import report_text
from .reading import UnreadableFile, read_workbook
from .run import BATCH_SIZE, MAPPING_NAME, Progress, bilingual
from .streaming import BATCH_ROWS, ImportStream

logger = logging.getLogger(__name__)


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _saved_columns(*, store, mapping) -> dict | None:
    if isinstance(mapping, dict):
        return mapping
    found = ImportMapping.objects.filter(store=store, name=mapping or MAPPING_NAME).first()
    return found.columns if found else None


def dms_import_file(
    *,
    store,
    path,
    actor=None,
    dry_run=False,
    batch=None,
    mapping=None,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportBatch:
    """Import (or dry-run) one DMS export into the store; every rejected row is kept on the returned batch.

    The archive's changes and the per-row report are written in one transaction: the import lands with its
    report or leaves nothing. The batch always ends done or failed with the reason (a process killed outright
    is caught later by import_batches_reap).
    """
    path = Path(path)
    if batch is None:
        batch = ImportBatch.objects.create(
            store=store,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            filename=path.name,
            dry_run=dry_run,
        )
    started = clock.now()
    claim = {
        "status": ImportStatus.RUNNING,
        "started_at": started,
        "heartbeat_at": started,
        "worker_host": socket.gethostname()[:255],
        "worker_pid": os.getpid(),
    }
    ImportBatch.objects.filter(pk=batch.pk).update(**claim)
    for attr, value in claim.items():
        setattr(batch, attr, value)
    run = ImportStream(
        batch=batch,
        path=path,
        saved_mapping=_saved_columns(store=store, mapping=mapping),
        progress=progress,
        limits=limits_for(store=store),
        batch_rows=batch_rows,
    )
    try:
        batch.sha256 = _file_sha256(path) if path.is_file() else ""
        with transaction.atomic():
            run.run()
            batch.encoding = run.encoding
            _save_report(batch, run)
    except (UnreadableFile, LimitExceeded) as exc:
        return _fail(batch, run, str(exc))
    except (OSError, ValueError) as exc:
        logger.exception("DMS import %s could not read its file", batch.pk)
        return _fail(
            batch, run, bilingual("无法读取文件,未导入任何数据", "cannot read the file; nothing was saved") + f": {exc}"
        )
    except Exception as exc:
        logger.exception("DMS import %s failed", batch.pk)
        return _fail(
            batch, run, bilingual("导入出错,未导入任何数据", "the import failed; nothing was saved") + f": {exc}"
        )
    except BaseException as exc:
        # Interrupted: the transaction rolled back. A worker stopping hands the task back to the queue and the
        # batch waits for that run (background.worker.WorkerStopping); a Ctrl+C ends it here, failed.
        if not getattr(exc, "hands_task_back", False):
            _fail(batch, run, bilingual("导入被中断,未导入任何数据", "the import was interrupted; nothing was saved"))
        raise
    finally:
        run.close()
    run.progress("done")
    return batch


def _report_row(batch: ImportBatch, r) -> ImportRejection:
    return ImportRejection(
        batch=batch,
        severity=r.severity,
        sheet=report_text(r.sheet)[:100],
        row_number=r.row,
        field=report_text(r.field)[:100],
        value=report_text(r.value)[:255],
        reason=report_text(r.reason)[:500],
    )


def _save_report(batch: ImportBatch, run: ImportStream) -> None:
    """The finished batch and its per-row report (inside the import's transaction)."""
    batch.status = ImportStatus.DONE
    batch.error = ""
    batch.rows_total = run.rows_total
    batch.rows_rejected = run.rows_rejected
    batch.rows_warned = run.rows_warned
    batch.rows_skipped = run.rows_skipped
    batch.counts = run.counts
    batch.ignored_columns = [report_text(c)[:100] for c in run.ignored_columns]
    batch.finished_at = clock.now()
    batch.save()
    batch.rejections.all().delete()
    chunk: list[ImportRejection] = []
    for line in run.report_lines():
        chunk.append(_report_row(batch, line))
        if len(chunk) >= BATCH_SIZE:
            ImportRejection.objects.bulk_create(chunk)
            chunk = []
    ImportRejection.objects.bulk_create(chunk)


def _fail(batch: ImportBatch, run: ImportStream, error: str) -> ImportBatch:
    """Mark the batch failed with the reason; nothing of the import was kept, so no report lines either."""
    batch.status = ImportStatus.FAILED
    batch.error = report_text(error)
    batch.rows_total = run.rows_total
    batch.rows_rejected = batch.rows_warned = batch.rows_skipped = 0
    batch.counts = {}
    batch.ignored_columns = [report_text(c)[:100] for c in run.ignored_columns]
    batch.finished_at = clock.now()
    batch.encoding = report_text(batch.encoding)[:20]
    with transaction.atomic():
        batch.save()
        batch.rejections.all().delete()
    run.progress("done")
    return batch


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (killed, not yet reaped by its parent) is gone for our purpose.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def import_batches_reap(*, now, stale_after: timedelta | None = None) -> int:
    """Fail every running batch whose process is gone (same host, pid dead) or silent for too long."""
    stale_after = stale_after or timedelta(minutes=defaults.IMPORT_STALE_AFTER_MINUTES)
    host = socket.gethostname()[:255]
    dead: list[int] = []
    running = ImportBatch.objects.filter(status=ImportStatus.RUNNING).values_list(
        "pk", "worker_host", "worker_pid", "heartbeat_at", "started_at", "created_at"
    )
    for pk, worker_host, worker_pid, heartbeat_at, started_at, created_at in running:
        process_gone = worker_host == host and worker_pid and not _process_alive(worker_pid)
        silent = now - (heartbeat_at or started_at or created_at) > stale_after
        if process_gone or silent:
            dead.append(pk)
    if not dead:
        return 0
    return ImportBatch.objects.filter(pk__in=dead, status=ImportStatus.RUNNING).update(
        status=ImportStatus.FAILED,
        finished_at=now,
        error=bilingual(
            "导入进程已中止,未导入任何数据,请重新导入", "the import's process stopped; nothing was saved, import again"
        ),
    )


def dms_import_batch(*, batch_id: int, mapping: dict | str | None = None) -> ImportBatch:
    """Run a batch created by the upload form (its file is under MEDIA_ROOT); a finished batch is left alone."""
    batch = ImportBatch.objects.select_related("store", "created_by").get(pk=batch_id)
    if batch.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return batch
    return dms_import_file(
        store=batch.store,
        path=batch.file.path,
        actor=batch.created_by,
        dry_run=batch.dry_run,
        batch=batch,
        mapping=mapping,
    )


def import_batch_create(*, store, actor, upload, dry_run: bool) -> ImportBatch:
    """Keep an uploaded export under MEDIA_ROOT as a waiting batch (it runs once its columns are confirmed)."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    batch = ImportBatch(
        store=store, created_by=actor, filename=Path(upload.name).name[:255], sha256=digest.hexdigest(), dry_run=dry_run
    )
    batch.file.save(Path(upload.name).name, upload, save=False)
    batch.save()
    return batch


def import_batch_start(*, batch: ImportBatch, columns: dict[str, str] | None = None) -> ImportBatch:
    """Hand the batch to the background worker, once the surrounding transaction has committed."""
    from ..tasks import import_dms_task

    cache.set(f"import-progress:{batch.pk}", {"phase": "queued", "done": 0, "total": 0}, 3600)
    batch_id = batch.pk
    transaction.on_commit(lambda: import_dms_task.enqueue(batch_id=batch_id, columns=columns))
    return batch


def sheet_headers(*, path, store=None) -> list[tuple[str, list[str]]]:
    """The header row of every sheet of a file, as the mapping page shows them: the row the import will take
    as header (title lines and merged group rows above it skipped), else the first non-empty row."""
    saved = _saved_columns(store=store, mapping=None) if store is not None else None
    limits = limits_for(store=store) if store is not None else None
    try:
        workbook = read_workbook(path, lambda cells: len(match_headers(cells, saved)[0]) >= 2, limits=limits)
    except UnreadableFile:
        workbook = read_workbook(path, lambda cells: any(c.strip() for c in cells), limits=limits)
    return [(sheet.name, [h for h in sheet.headers if h]) for sheet in workbook.sheets]


def import_mapping_save(*, store, columns: dict[str, str], name: str = MAPPING_NAME) -> ImportMapping:
    """Save the store's column mapping (header text -> canonical field, or "" to ignore the column)."""
    clean = {
        str(header): (value if value in FIELDS_BY_NAME else "")
        for header, value in columns.items()
        if str(header).strip()
    }
    mapping, _ = ImportMapping.objects.update_or_create(store=store, name=name, defaults={"columns": clean})
    return mapping


def import_progress(*, batch: ImportBatch) -> dict:
    """The running import's {phase, done, total} as last written to the shared cache."""
    return cache.get(f"import-progress:{batch.pk}") or {"phase": batch.status, "done": 0, "total": 0}
