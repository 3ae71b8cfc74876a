"""Editing the buckets of the 客服人力资源规划 table (seed 002): rows are monthly workshop throughput,
columns monthly showroom sales. The director renames, adds and removes buckets and moves their edges;
the cells keep their team (a new bucket copies its neighbour's) and the whole table is rewritten at once."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from huifang.accounts.models import Store
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_record

from . import rules
from .models import StaffingCell
from .services import staffing_cells_ensure_defaults

# A team for a cell that has nothing to copy from (never with a non-empty table): 1+1+1.
FALLBACK_TEAM = (1, 1, 1)


@dataclass(frozen=True)
class BucketInput:
    label: str
    low: int | None
    high: int | None
    origin: int | None = None  # index of the bucket it was before the edit; None for a new bucket


def _messages(errors: dict[int, str], buckets: Sequence[BucketInput], axis: str) -> dict[str, str]:
    texts = {
        "empty": _("Keep at least one bucket."),
        "label": _("Give the bucket a name."),
        "duplicate": _("Two buckets have the same name."),
        "open_low": _("Only the first bucket may have no lower edge."),
        "open_high": _("Only the last bucket may have no upper edge."),
        "order": _("The lower edge is above the upper edge."),
    }
    result = {}
    for index, code in errors.items():
        if code in ("gap", "overlap"):
            start = buckets[index - 1].high + 1
            text = (
                _("Gap: this bucket must start at %(n)s.")
                if code == "gap"
                else _("Overlap: this bucket must start at %(n)s.")
            ) % {"n": start}
        else:
            text = texts[code]
        result[f"{axis}-{index}"] = text
    return result


def _edge(value: int | None) -> str:
    return "" if value is None else str(value)


def _table_buckets(cells) -> dict[str, list[str]]:
    """The table's buckets as audit text: "600-1200 [600–1200]" per row and per column."""
    rows = {c.row: f"{c.throughput_label} [{_edge(c.throughput_min)}–{_edge(c.throughput_max)}]" for c in cells}
    columns = {c.column: f"{c.sales_label} [{_edge(c.sales_min)}–{_edge(c.sales_max)}]" for c in cells}
    return {"throughput": [rows[k] for k in sorted(rows)], "sales": [columns[k] for k in sorted(columns)]}


def _inputs_buckets(throughput: Sequence[BucketInput], sales: Sequence[BucketInput]) -> dict[str, list[str]]:
    return {
        "throughput": [f"{b.label.strip()} [{_edge(b.low)}–{_edge(b.high)}]" for b in throughput],
        "sales": [f"{b.label.strip()} [{_edge(b.low)}–{_edge(b.high)}]" for b in sales],
    }


def staffing_buckets_update(
    *,
    store: Store,
    throughput: Sequence[BucketInput],
    sales: Sequence[BucketInput],
    actor,
    now: datetime,
) -> int:
    """Replace the table's row (throughput) and column (sales) buckets; validated (edges increasing, no gap,
    no overlap), audited on the store; returns the number of cells written (0: nothing changed)."""
    errors = {}
    for axis, buckets in (("throughput", throughput), ("sales", sales)):
        found = rules.bucket_errors([rules.Bucket(b.label, b.low, b.high) for b in buckets])
        errors |= _messages(found, buckets, axis)
    if errors:
        raise ValidationError(errors)
    staffing_cells_ensure_defaults(store=store)
    with transaction.atomic():
        old = {(c.row, c.column): c for c in StaffingCell.objects.select_for_update().filter(store=store)}
        before = _table_buckets(old.values())
        after = _inputs_buckets(throughput, sales)
        if before == after:
            return 0
        rows = rules.bucket_origins([b.origin for b in throughput])
        columns = rules.bucket_origins([b.origin for b in sales])
        cells = []
        for r, (row, origin_r) in enumerate(zip(throughput, rows, strict=True)):
            for c, (column, origin_c) in enumerate(zip(sales, columns, strict=True)):
                source = old.get((origin_r, origin_c))
                team = (source.directors, source.specialists, source.callers) if source else FALLBACK_TEAM
                cells.append(
                    StaffingCell(
                        store=store,
                        row=r,
                        column=c,
                        throughput_label=row.label.strip(),
                        throughput_min=row.low,
                        throughput_max=row.high,
                        sales_label=column.label.strip(),
                        sales_min=column.low,
                        sales_max=column.high,
                        directors=team[0],
                        specialists=team[1],
                        callers=team[2],
                    )
                )
        StaffingCell.objects.filter(store=store).delete()
        StaffingCell.objects.bulk_create(cells)
        audit_record(
            obj=store,
            action=AuditAction.UPDATE,
            at=now,
            actor=actor,
            changes={"staffing_buckets": [before, after]},
        )
    return len(cells)
