"""DMS import: read and validate the whole file (no writes), then write everything in one transaction.

Phase 1 parses every row, rejects bad rows (a bad line rejects its whole repair order), resolves the
customer, vehicle and order keys against the store's archive loaded in bulk, and compares field by field.
Phase 2 writes only what is new or changed, set-based, with one audit entry per created or changed record.
A dry run stops after phase 1 and records what would happen.
"""

import hashlib
import logging
from pathlib import Path

from django.core.cache import cache
from django.db import transaction

from huifang.core import clock

from ..choices import ImportStatus
from ..models import ImportBatch, ImportMapping, ImportRejection
from .fields import FIELDS_BY_NAME
from .reading import UnreadableFile, read_workbook
from .run import BATCH_SIZE, MAPPING_NAME, ImportRun, Progress, bilingual
from .writing import import_write

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
    *, store, path, actor=None, dry_run=False, batch=None, mapping=None, progress: Progress | None = None
) -> ImportBatch:
    """Import (or dry-run) one DMS export into the store; every rejected row is kept on the returned batch."""
    path = Path(path)
    if batch is None:
        batch = ImportBatch.objects.create(
            store=store,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            filename=path.name,
            dry_run=dry_run,
        )
    started = clock.now()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING, started_at=started)
    batch.status, batch.started_at = ImportStatus.RUNNING, started
    run = ImportRun(
        batch=batch, path=path, saved_mapping=_saved_columns(store=store, mapping=mapping), progress=progress
    )
    try:
        batch.sha256 = _file_sha256(path) if path.is_file() else ""
        batch.encoding = run.read()
    except UnreadableFile as exc:
        return _finish(batch, run, error=str(exc))
    except (OSError, ValueError) as exc:
        return _finish(batch, run, error=bilingual("无法读取文件", "cannot read the file") + f": {exc}")
    try:
        run.report("validate", 0, 3)
        orders = run.group_orders()
        run.report("validate", 1, 3)
        run.resolve(orders)
        run.report("validate", 2, 3)
        run.compare()
        run.report("validate", 3, 3)
    except Exception as exc:
        logger.exception("DMS import %s failed while checking rows", batch.pk)
        return _finish(
            batch,
            run,
            error=bilingual("检查数据时出错,未导入任何数据", "the import failed; nothing was saved") + f": {exc}",
        )
    if not batch.dry_run:
        try:
            import_write(run)
        except Exception as exc:
            logger.exception("DMS import %s failed while writing", batch.pk)
            return _finish(
                batch,
                run,
                error=bilingual("写入时出错,未导入任何数据", "the import failed while writing; nothing was saved")
                + f": {exc}",
            )
    return _finish(batch, run)


def _finish(batch: ImportBatch, run: ImportRun, error: str = "") -> ImportBatch:
    batch.status = ImportStatus.FAILED if error else ImportStatus.DONE
    batch.error = error
    batch.rows_total = run.rows_total
    batch.rows_rejected = len(run.rejected)
    batch.counts = {} if error else run.plan.counts
    batch.ignored_columns = run.ignored_columns
    batch.finished_at = clock.now()
    with transaction.atomic():
        batch.save()
        batch.rejections.all().delete()
        ImportRejection.objects.bulk_create(
            [
                ImportRejection(
                    batch=batch,
                    sheet=r.sheet[:100],
                    row_number=r.row,
                    field=r.field[:100],
                    value=r.value[:255],
                    reason=r.reason[:500],
                )
                for r in sorted(run.rejects, key=lambda r: (r.sheet, r.row))
            ],
            batch_size=BATCH_SIZE,
        )
    run.report("done", run.rows_total, run.rows_total)
    return batch


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


def sheet_headers(*, path) -> list[tuple[str, list[str]]]:
    """The header row of every sheet of a file, as the mapping page shows them (first non-empty row)."""
    workbook = read_workbook(path, lambda cells: any(c.strip() for c in cells))
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
