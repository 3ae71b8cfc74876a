"""Importing a DMS appointment export: read with the archive import's readers, parse each row, match each
booking to the store's vehicle by VIN or plate, then create or update the store's DMS appointments.

Idempotent by (store, 预约单号): importing the same file twice changes nothing; a later export updates the
status, the slot, the advisor, the service and the note. All rows are written in one transaction (a dry run
runs the very same writes and rolls them back), each appointment with its event and audit entry.
"""

import dataclasses
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import translation

from huifang.accounts.models import Store
from huifang.archive.importing.limits import LimitExceeded, limits_for
from huifang.archive.importing.reading import UnreadableFile, read_workbook
from huifang.archive.importing.streaming import HIDDEN_ROW_REASON
from huifang.archive.models import Vehicle
from huifang.audit.services import audit_entry, audit_record_many
from huifang.calendars.selectors import calendar_for

from .. import rules
from ..choices import AppointmentSource, AppointmentStatus, EventKind
from ..models import Appointment, AppointmentEvent
from ..selectors import advisors_of, opening_hours, slot_load
from .columns import looks_like_header, match_columns
from .parsing import REJECTED, Issue, ParsedRow, parse_row

AUDIT_SOURCE = "appointment import"
# The event each status a DMS export reports is recorded as.
STATUS_EVENTS = {
    AppointmentStatus.BOOKED: EventKind.BOOKED,
    AppointmentStatus.CONFIRMED: EventKind.CONFIRMED,
    AppointmentStatus.ARRIVED: EventKind.ARRIVED,
    AppointmentStatus.CANCELLED: EventKind.CANCELLED,
    AppointmentStatus.NO_SHOW: EventKind.NO_SHOW,
}
# Appointment ids per UPDATE … WHERE id IN (…).
UPDATE_BATCH = 2000


@dataclass
class ImportReport:
    """What an import did (or, dry run, would do): rows = created + updated + unchanged + rejected; `warned`
    counts the imported rows that carry a warning. `error` is set when the file could not be read at all."""

    dry_run: bool
    file_name: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warned: int = 0
    issues: list[Issue] = field(default_factory=list)
    unread_columns: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    def as_dict(self) -> dict:
        return {**dataclasses.asdict(self), "imported": self.imported}


def appointments_import_file(*, store: Store, path: Path | str, actor, now: datetime, dry_run: bool) -> ImportReport:
    """Import (or with `dry_run` only check) a DMS appointment export into `store`."""
    path = Path(path)
    report = ImportReport(dry_run=dry_run, file_name=path.name)
    try:
        book = read_workbook(path, looks_like_header, limits_for(store=store))
        parsed = _parse(book, report, tz=ZoneInfo(store.time_zone))
    except (UnreadableFile, LimitExceeded) as exc:
        report.error = str(exc)
        return report
    with transaction.atomic():
        _write(store=store, rows=parsed, report=report, actor=actor, now=now)
        if dry_run:
            transaction.set_rollback(True)
    report.issues.sort(key=lambda i: (i.sheet, i.row, i.severity != REJECTED))
    return report


def _parse(book, report: ImportReport, *, tz: ZoneInfo) -> list[ParsedRow]:
    """Every data row parsed; a number seen twice in the file keeps its first row, the later ones are rejected."""
    parsed: list[ParsedRow] = []
    first_row: dict[str, tuple[str, int]] = {}
    for sheet in book.sheets:
        positions, unread = match_columns(sheet.headers)
        report.unread_columns += [h for h in unread if h not in report.unread_columns]
        hidden = sheet.hidden_rows
        for number, cells in sheet.rows:
            row = parse_row(number, cells, positions, tz=tz)
            row.sheet = sheet.name
            if hidden and number in hidden:
                row.reject("", "", HIDDEN_ROW_REASON)  # as in the DMS import: what the user hid is left out
            report.rows += 1
            if not row.rejected and row.dms_number in first_row:
                where = first_row[row.dms_number]
                row.reject(
                    "dms_number",
                    row.dms_number,
                    f"预约单号与第 {where[1]} 行重复 / the same number as row {where[1]}"
                    + (f" ({where[0]})" if where[0] else ""),
                )
            elif not row.rejected:
                first_row[row.dms_number] = (sheet.name, number)
            parsed.append(row)
    return parsed


def _vehicles(store: Store, rows: list[ParsedRow]) -> tuple[dict[str, Vehicle], dict[str, Vehicle]]:
    """({vin: vehicle}, {plate: vehicle}) of the store in one query; a plate on several cars keeps the newest."""
    vins = {r.vin for r in rows if r.vin}
    plates = {r.plate for r in rows if r.plate}
    by_vin: dict[str, Vehicle] = {}
    by_plate: dict[str, Vehicle] = {}
    found = (
        Vehicle.objects.filter(store=store)
        .filter(Q(vin__in=vins) | Q(plate__in=plates))
        .select_related("customer")
        .only("vin", "plate", "store_id", "customer_id", "customer__name", "customer__store_id")
    )
    for vehicle in found.order_by("pk"):
        by_vin.setdefault(vehicle.vin, vehicle)
        if vehicle.plate:
            by_plate[vehicle.plate] = vehicle
    return by_vin, by_plate


def _advisor_index(store: Store) -> dict[str, int]:
    index: dict[str, int] = {}
    for user in advisors_of(store=store):
        for name in (user.display_name, user.username):
            if name:
                index.setdefault("".join(name.split()).lower(), user.pk)
    return index


def _write(*, store: Store, rows: list[ParsedRow], report: ImportReport, actor, now: datetime) -> None:
    """Match, plan and write every sound row: new appointments in one INSERT, changes one UPDATE per field
    and value, their events and audit entries in bulk."""
    from ..services import policy_for

    policy = policy_for(store=store)
    good = [r for r in rows if not r.rejected]
    existing = {
        a.dms_number: a
        for a in Appointment.objects.filter(store=store, dms_number__in=[r.dms_number for r in good]).select_related(
            "customer"
        )
    }
    planned = _plan(store=store, policy=policy, rows=good)
    _warn_full_slots(store=store, policy=policy, planned=planned, existing=existing, tz=ZoneInfo(store.time_zone))
    creates, updates, events, audits = [], [], [], []
    for row, vehicle, slot, advisor_id in planned:
        values = {
            "vehicle_id": vehicle.pk,
            "customer_id": vehicle.customer_id,
            "starts_at": slot,
            "ends_at": slot + timedelta(minutes=policy.slot_minutes),
            "service": row.service,
            "advisor_id": advisor_id,
            "note": row.note,
        }
        current = existing.get(row.dms_number)
        if current is None:
            creates.append((row, _new(store, vehicle, values, row, actor=actor, now=now)))
            continue
        changes, written = _update_of(current, values, row=row, vehicle=vehicle, now=now)
        if not changes:
            report.unchanged += 1
            continue
        updates.append((current.pk, written))
        events += _update_events(current, changes, actor=actor, now=now, number=row.dms_number)
        audits.append(
            audit_entry(obj=current, action="update", at=now, actor=actor, source=AUDIT_SOURCE, changes=changes)
        )
    created = Appointment.objects.bulk_create([a for _row, a in creates])
    for (row, _unsaved), appointment in zip(creates, created, strict=True):
        events.append(_booked_event(appointment, row=row, actor=actor, now=now))
        audits.append(_created_audit(appointment, row=row, actor=actor, now=now))
    _apply_updates(updates)
    AppointmentEvent.objects.bulk_create(events, batch_size=2000)
    audit_record_many(audits)
    report.created += len(created)
    report.updated += len(updates)
    report.rejected = sum(1 for r in rows if r.rejected)
    report.warned = sum(1 for r in rows if r.warned)
    report.issues = [dataclasses.replace(i, sheet=r.sheet) for r in rows for i in _report_issues(r)]


def _plan(*, store: Store, policy, rows: list[ParsedRow]) -> list[tuple[ParsedRow, Vehicle, datetime, int | None]]:
    """(row, its vehicle, the slot it holds, its advisor's id) of each row whose vehicle is in the archive."""
    tz = ZoneInfo(store.time_zone)
    store_calendar = calendar_for(store=store)
    by_vin, by_plate = _vehicles(store, rows)
    advisors = _advisor_index(store)
    planned = []
    for row in rows:
        vehicle = _match_vehicle(row, by_vin, by_plate)
        if vehicle is None:
            continue
        local = row.starts_at.astimezone(tz)
        hours = opening_hours(store=store, policy=policy, day=local.date(), store_calendar=store_calendar)
        opens = hours[0] if hours else policy.day_start
        slot = rules.slot_containing(moment=row.starts_at, opens=opens, slot_minutes=policy.slot_minutes, tz=tz)
        if hours is None or not (hours[0] <= slot.astimezone(tz).time() < hours[1]):
            row.warn(
                "starts_at",
                f"{local:%Y-%m-%d %H:%M}",
                "不在门店预约时间内(按 DMS 导入) / outside the store's booking hours (imported as the DMS has it)",
            )
        advisor_id = None
        if row.advisor:
            advisor_id = advisors.get("".join(row.advisor.split()).lower())
            if advisor_id is None:
                row.warn(
                    "advisor",
                    row.advisor,
                    "不是本店的服务顾问,未填写顾问 / not a service advisor of this store, left empty",
                )
        planned.append((row, vehicle, slot, advisor_id))
    return planned


def _update_of(current: Appointment, values: dict, *, row: ParsedRow, vehicle: Vehicle, now: datetime):
    """({field: [before, after]} for the audit, {field: value} to write) of a re-imported appointment; the
    instance is changed in memory for its events."""
    values["status"] = rules.imported_status(current=current.status, incoming=row.status)
    if values["status"] != row.status:
        with translation.override("zh-hans"):
            kept = str(current.get_status_display())
        row.warn("status", row.status, f"保留系统中的状态“{kept}” / kept the status {current.status}")
    changes = {f: [getattr(current, f), v] for f, v in values.items() if getattr(current, f) != v}
    if not changes:
        return {}, {}
    for name, (_before, after) in changes.items():
        setattr(current, name, after)
    if "vehicle_id" in changes:
        current.customer = vehicle.customer
    dates_before = (current.arrived_at, current.confirmed_at)
    _status_dates(current, changes, now=now)
    written = {name: after for name, (_before, after) in changes.items()}
    if (current.arrived_at, current.confirmed_at) != dates_before:
        written |= {"arrived_at": current.arrived_at, "confirmed_at": current.confirmed_at}
    return changes, written


def _booked_event(appointment: Appointment, *, row: ParsedRow, actor, now: datetime) -> AppointmentEvent:
    return AppointmentEvent(
        appointment=appointment,
        kind=EventKind.BOOKED,
        at=now,
        actor=actor if actor is not None and actor.is_authenticated else None,
        detail={"source": AppointmentSource.DMS, "dms_number": row.dms_number, "status": appointment.status},
    )


def _created_audit(appointment: Appointment, *, row: ParsedRow, actor, now: datetime):
    return audit_entry(
        obj=appointment,
        action="create",
        at=now,
        actor=actor,
        source=AUDIT_SOURCE,
        changes={
            "dms_number": [None, row.dms_number],
            "starts_at": [None, appointment.starts_at],
            "status": [None, appointment.status],
        },
    )


def _apply_updates(updates: list[tuple[int, dict]]) -> None:
    """One UPDATE per field and new value (a re-import moves many bookings to the same status or slot), not one
    per appointment; Django's bulk_update builds a CASE per row and field, which costs seconds per thousand."""
    ids_by_value: dict[tuple[str, object], list[int]] = {}
    for pk, written in updates:
        for name, value in written.items():
            ids_by_value.setdefault((name, value), []).append(pk)
    for (name, value), ids in ids_by_value.items():
        for start in range(0, len(ids), UPDATE_BATCH):
            Appointment.objects.filter(pk__in=ids[start : start + UPDATE_BATCH]).update(**{name: value})


def _report_issues(row: ParsedRow) -> list[Issue]:
    """A rejected row is reported by its reason (its warnings would only distract); an imported row by its warnings."""
    return [i for i in row.issues if i.severity == REJECTED][:1] if row.rejected else row.issues


def _match_vehicle(row: ParsedRow, by_vin, by_plate) -> Vehicle | None:
    """The store's vehicle by VIN, else by plate; a VIN and a plate of two different cars: the VIN wins."""
    vehicle = by_vin.get(row.vin) if row.vin else None
    by_the_plate = by_plate.get(row.plate) if row.plate else None
    if vehicle is not None and by_the_plate is not None and by_the_plate.pk != vehicle.pk:
        row.warn("plate", row.plate, "车牌号属于另一辆车,按 VIN 对应 / the plate is another car's; matched by the VIN")
    vehicle = vehicle or by_the_plate
    if vehicle is None:
        name, value = ("vin", row.vin) if row.vin else ("plate", row.plate)
        row.reject(
            name,
            value,
            "档案中没有这辆车(请先导入 DMS 客户与车辆) / no such vehicle in the archive (import the DMS customers and vehicles first)",
        )
    return vehicle


def _new(store: Store, vehicle: Vehicle, values: dict, row: ParsedRow, *, actor, now: datetime) -> Appointment:
    booked_at = row.booked_at or min(now, values["starts_at"])
    appointment = Appointment(
        store=store,
        customer=vehicle.customer,
        source=AppointmentSource.DMS,
        dms_number=row.dms_number,
        status=row.status,
        link_nonce=secrets.token_hex(8),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        created_at=booked_at,
        **values,
    )
    _status_dates(appointment, {"status": [None, row.status]}, now=now)
    return appointment


def _status_dates(appointment: Appointment, changes: dict, *, now: datetime) -> None:
    """A DMS 'arrived' has no repair order of ours yet: it counts as arrived at its slot."""
    if "status" not in changes:
        return
    if appointment.status == AppointmentStatus.ARRIVED and appointment.arrived_at is None:
        appointment.arrived_at = appointment.starts_at
    if appointment.status == AppointmentStatus.CONFIRMED and appointment.confirmed_at is None:
        appointment.confirmed_at = now


def _update_events(appointment: Appointment, changes: dict, *, actor, now: datetime, number: str) -> list:
    actor = actor if actor is not None and actor.is_authenticated else None
    detail = {"source": AppointmentSource.DMS, "dms_number": number}
    events = []
    if "starts_at" in changes:
        before, after = changes["starts_at"]
        events.append(
            AppointmentEvent(
                appointment=appointment,
                kind=EventKind.RESCHEDULED,
                at=now,
                actor=actor,
                detail={**detail, "before": before.isoformat(), "after": after.isoformat()},
            )
        )
    if "status" in changes:
        events.append(
            AppointmentEvent(
                appointment=appointment, kind=STATUS_EVENTS[appointment.status], at=now, actor=actor, detail=detail
            )
        )
    return events


def _warn_full_slots(*, store: Store, policy, planned, existing: dict, tz: ZoneInfo) -> None:
    """The DMS booked it, so it is imported; a slot it takes beyond the store's capacity is pointed out."""
    holding = [(row, slot) for row, _v, slot, _a in planned if row.status != AppointmentStatus.CANCELLED]
    if not holding:
        return
    ours = [existing[row.dms_number].pk for row, _slot in holding if row.dms_number in existing]
    load = slot_load(store=store, starts={slot for _row, slot in holding})
    taken = {slot: booked for slot, (booked, _advisors) in load.items()}
    # The file's own re-imported appointments are counted from the file, not twice.
    for appointment in (
        Appointment.objects.filter(pk__in=ours).exclude(status=AppointmentStatus.CANCELLED).only("starts_at")
    ):
        if appointment.starts_at in taken:
            taken[appointment.starts_at] -= 1
    for row, slot in holding:
        taken[slot] = taken.get(slot, 0) + 1
        if taken[slot] > policy.slot_capacity:
            row.warn(
                "starts_at",
                slot.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                f"该时段已满({taken[slot]}/{policy.slot_capacity}),按 DMS 导入 / the slot is over capacity "
                f"({taken[slot]} of {policy.slot_capacity}), imported as the DMS has it",
            )


def appointments_import_upload(*, store: Store, upload, actor, now: datetime, dry_run: bool) -> ImportReport:
    """An uploaded file (web form or API), kept on disk only while it is read (the readers stream from a path)."""
    import tempfile

    suffix = Path(upload.name or "").suffix.lower()[:8]
    with tempfile.TemporaryDirectory(prefix="appointment-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        report = appointments_import_file(store=store, path=path, actor=actor, now=now, dry_run=dry_run)
    report.file_name = Path(upload.name or "").name[:200]
    return report
