"""Visits the demo's DMS reports during the demo history: the repair orders of booked cars that came in.

The demo archive is what the dealer's DMS holds when the demo starts (generator + loading). Its recent history
adds the cars that kept an appointment: the DMS opens a repair order for them on the booked day, and the
evening export brings it in. Written here the way the loader writes the archive (the DMS is the only source of
repair orders), then the vehicles' figures are refreshed by the archive service as after an import.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from huifang.accounts.models import Store, User
from huifang.archive.choices import MileageSource, RepairOrderType
from huifang.archive.models import MileageReading, RepairOrder, RepairOrderLine, Vehicle
from huifang.archive.services import vehicle_figures_refresh

from . import catalogue as cat

# Order numbers of these visits: the generator numbers a day's orders from 00001, these from 80001.
NUMBER_START = 80000
# A usual oil change (4.0 litres, in hundredths) when the car's model is not looked up.
OIL_CENTI = 400
# Km a day when the archive has no figure for the car yet (a city car's usual).
DEFAULT_KM_PER_DAY = 40.0


@dataclass(frozen=True)
class Visit:
    """A car that came in: when its order was opened and delivered, what for, and who received it."""

    vehicle: Vehicle
    opened_at: datetime
    delivered_at: datetime
    ro_type: str
    advisor: User | None
    booked: bool = True


def _lines(ro_type: str) -> list[cat.Item]:
    items = [cat.CHANGE_OIL, cat.OIL, cat.OIL_FILTER, cat.DRAIN_WASHER]
    if ro_type == RepairOrderType.FIRST_FREE_SERVICE:
        items.insert(0, cat.CHECK)
    return items


def _fen(item: cat.Item) -> tuple[int, int]:
    quantity = OIL_CENTI if item is cat.OIL else item.quantity_centi
    return quantity, (item.unit_fen * quantity + 50) // 100


def _km(vehicle: Vehicle, day: date) -> int | None:
    if vehicle.current_km is None or vehicle.last_visit_at is None:
        return None
    days = max(0, (day - vehicle.last_visit_at.date()).days)
    return vehicle.current_km + round((vehicle.avg_km_per_day or DEFAULT_KM_PER_DAY) * days)


def demo_visits_record(*, store: Store, visits: list[Visit], today: date) -> list[RepairOrder]:
    """Open (and, when delivered, close) a maintenance order per visit, with its lines and mileage reading,
    then refresh the visited vehicles' figures; returns the orders."""
    if not visits:
        return []
    with transaction.atomic():
        used: dict[date, int] = {}
        for day, number in (
            RepairOrder.objects.filter(
                store=store,
                number__startswith="RO",
                opened_at__date__gte=min(v.opened_at.date() for v in visits) - timedelta(days=1),
            )
            .values_list("opened_at__date")
            .annotate(last=Max("number"))
        ):
            used[day] = int(number[-5:]) if number[-5:].isdigit() else 0
        orders, lines, readings = [], [], []
        for visit in visits:
            day = visit.opened_at.date()
            seq = max(used.get(day, 0), NUMBER_START) + 1
            used[day] = seq
            items = _lines(visit.ro_type)
            fen = [_fen(item) for item in items]
            labour = sum(amount for item, (_q, amount) in zip(items, fen, strict=True) if item.kind == "labour")
            parts = sum(amount for item, (_q, amount) in zip(items, fen, strict=True) if item.kind == "part")
            km = _km(visit.vehicle, day)
            order = RepairOrder(
                store=store,
                number=f"RO{day:%Y%m%d}{seq:05d}",
                vehicle=visit.vehicle,
                customer_id=visit.vehicle.customer_id,
                ro_type=visit.ro_type,
                opened_at=visit.opened_at,
                delivered_at=visit.delivered_at,
                mileage_in=km,
                advisor=visit.advisor,
                advisor_name=(visit.advisor.display_name or visit.advisor.username) if visit.advisor else "",
                labour_amount=Decimal(labour).scaleb(-2),
                parts_amount=Decimal(parts).scaleb(-2),
                total_amount=Decimal(labour + parts).scaleb(-2),
                fault_description="首次保养" if visit.ro_type == RepairOrderType.FIRST_FREE_SERVICE else "定期保养",
                is_appointment=visit.booked,
            )
            orders.append(order)
            if km is not None:
                readings.append(
                    MileageReading(vehicle=visit.vehicle, read_on=day, km=km, source=MileageSource.REPAIR_ORDER)
                )
        RepairOrder.objects.bulk_create(orders)
        for order in orders:
            items = _lines(order.ro_type)
            lines += [
                RepairOrderLine(
                    repair_order=order,
                    position=position,
                    kind=item.kind,
                    code=item.code,
                    description=item.description,
                    quantity=Decimal(quantity).scaleb(-2),
                    unit_price=Decimal(item.unit_fen).scaleb(-2),
                    amount=Decimal(amount).scaleb(-2),
                )
                for position, (item, (quantity, amount)) in enumerate(
                    zip(items, [_fen(i) for i in items], strict=True), start=1
                )
            ]
        RepairOrderLine.objects.bulk_create(lines)
        MileageReading.objects.bulk_create(readings, ignore_conflicts=True)
        vehicle_figures_refresh(store=store, today=today, vehicle_ids={v.vehicle.pk for v in visits})
    return orders
