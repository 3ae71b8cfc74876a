"""A deterministic, streaming generator of a believable store's archive (demo data and benchmarks).

`DemoGenerator(seed=…, today=…).customers(n)` yields one `CustomerRow` at a time with its contacts,
vehicles, odometer readings and two years of repair orders, so a million vehicles never sit in memory.
The same seed and `today` always give the same rows.
"""

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from huifang.archive.choices import Channel, ContactRole, CustomerKind, CustomerSource, Gender, RepairOrderType
from huifang.archive.defaults import MAINTENANCE_INTERVAL_KM, MAINTENANCE_INTERVAL_MONTHS
from huifang.core.vehicle_ids import vin_check_digit

from . import catalogue as cat
from .rows import (
    SHENZHEN,
    ContactRow,
    CustomerRow,
    LineRow,
    OrderRow,
    StoreProfile,
    VehicleRow,
)

# Seed 000 and the brand's booklet: 3 years / 100,000 km warranty, first free service at 5,000 km / 3 months.
WARRANTY_YEARS = 3
FIRST_SERVICE_KM = 5000
FIRST_SERVICE_DAYS = 90
HISTORY_DAYS = 730  # two years of repair orders
PURCHASE_SPAN_DAYS = 5 * 365
COMPANY_SHARE = 0.10
REPEAT_REPAIR_SHARE = 0.04
LOST_SHARE = 0.08
DORMANT_SHARE = 0.10
NEW_ENERGY_SHARE = 0.08
_PLATE_ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
# Plate serials are a permutation of a counter (a*i + b mod N), so plates are unique and look random.
_ORDINARY_SPACE = 34 * 34 * 1000
_NEW_ENERGY_SPACE = 2 * 34 * 10_000
_MOBILE_PREFIXES = tuple(
    f"{head}{d}"
    for head, digits in (("13", "0123456789"), ("15", "012356789"), ("18", "0123456789"), ("19", "13568"))
    for d in digits
)


def _weighted(pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return values, weights


class DemoGenerator:
    """Streams customers of one store; `serial_start` keeps VINs and plates of two stores apart."""

    def __init__(self, *, seed: int, today: date, profile: StoreProfile = SHENZHEN, serial_start: int = 0):
        self.rng = random.Random(seed)
        self.today = today
        self.profile = profile
        self.tz = ZoneInfo("Asia/Shanghai")
        self.vehicle_serial = serial_start
        self.new_energy_serial = serial_start
        self.customer_serial = 0
        self.ro_per_day: dict[date, int] = {}
        self.history_start = today - timedelta(days=HISTORY_DAYS)
        self._occupations = _weighted(cat.OCCUPATIONS)
        self._levels = _weighted(cat.LEVELS)
        self._clubs = _weighted(cat.CLUB_LEVELS)
        self._languages = _weighted(cat.LANGUAGES)
        self._contact_times = _weighted(cat.CONTACT_TIMES)
        self._categories = _weighted(cat.CATEGORIES_INDIVIDUAL)
        self._models = list(cat.MODELS)
        self._model_weights = [m.weight for m in cat.MODELS]

    # ----- people -----------------------------------------------------------------------------
    def customers(self, count: int) -> Iterator[CustomerRow]:
        """`count` customers, one at a time."""
        for _ in range(count):
            yield self.customer()

    def customer(self) -> CustomerRow:
        rng = self.rng
        self.customer_serial += 1
        is_company = rng.random() < COMPANY_SHARE
        row = self._company() if is_company else self._individual()
        # How this customer behaves at the store: loyal, drifting away (dormant) or gone (lost).
        roll = rng.random()
        if roll < LOST_SHARE:
            stop = self.today - timedelta(days=rng.randint(380, 900))
        elif roll < LOST_SHARE + DORMANT_SHARE:
            stop = self.today - timedelta(days=rng.randint(190, 350))
        else:
            stop = self.today
        loyalty = rng.uniform(0.55, 0.95)
        booking = rng.uniform(0.05, 0.6)
        cars = rng.choice((1, 1, 2, 2, 3, 4, 5, 6)) if is_company else (2 if rng.random() < 0.07 else 1)
        for index in range(cars):
            vehicle = self._vehicle(stop=stop, loyalty=loyalty, booking=booking, fleet=is_company)
            if is_company:
                vehicle.driver = self._driver(row, index, vehicle.plate)
            row.vehicles.append(vehicle)
        first = min((v.purchase_date for v in row.vehicles), default=None)
        if first and row.source == CustomerSource.SALE:
            row.first_visit_at = self._at(first, rng.randint(10, 17), rng.randint(0, 59))
        else:
            opened = [o.opened_at for v in row.vehicles for o in v.orders]
            row.first_visit_at = min(opened) if opened else None
        return row

    def _person_name(self) -> tuple[str, str]:
        rng = self.rng
        surnames = cat.SURNAMES
        surname = surnames[rng.randrange(cat.COMMON_SURNAME_COUNT)] if rng.random() < 0.7 else rng.choice(surnames)
        gender = Gender.MALE if rng.random() < 0.62 else Gender.FEMALE
        pool = cat.GIVEN_MALE if gender == Gender.MALE else cat.GIVEN_FEMALE
        # About a third of given names have one character (张伟), the rest two (张嘉怡).
        given = rng.choice(pool) if rng.random() < 0.3 else rng.choice(cat.GIVEN_NEUTRAL + pool) + rng.choice(pool)
        return surname + given, gender

    def _mobile(self) -> str:
        return f"+86{self.rng.choice(_MOBILE_PREFIXES)}{self.rng.randrange(100_000_000):08d}"

    def _landline(self) -> str:
        digits = 8 if len(self.profile.area_code) <= 3 else 7
        first = self.rng.randint(2, 8)
        return f"+86{self.profile.area_code}{first}{self.rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"

    def _address(self) -> str:
        rng = self.rng
        if self.profile.city == "深圳":
            district = rng.choice(cat.DISTRICTS)
        else:
            district = rng.choice(("天河区", "越秀区", "海珠区", "番禺区", "白云区", "黄埔区"))
        estate = rng.choice("锦绣碧桂万科华润招商金地星海翠竹") + rng.choice(cat.ESTATES)
        return f"{self.profile.city}市{district}{rng.choice(cat.STREETS)}{rng.randint(1, 3999)}号{estate}"

    def _base(self, **values) -> CustomerRow:
        rng = self.rng
        values.setdefault("preferred_channel", rng.choice((Channel.PHONE, Channel.PHONE, Channel.SMS, Channel.WECHAT)))
        values.setdefault("best_contact_time", rng.choices(*self._contact_times)[0])
        values.setdefault("language", rng.choices(*self._languages)[0])
        values.setdefault("marketing_consent", rng.random() < 0.7)
        return CustomerRow(dms_code=f"{self.profile.code_prefix}C{self.customer_serial:08d}", **values)

    def _individual(self) -> CustomerRow:
        rng = self.rng
        name, gender = self._person_name()
        born = self.today - timedelta(days=rng.randint(22 * 365, 68 * 365))
        has_birthday = rng.random() < 0.85
        occupation = rng.choices(*self._occupations)[0]
        source = rng.choices(
            (CustomerSource.SALE, CustomerSource.WALK_IN, CustomerSource.REFERRAL, CustomerSource.OTHER),
            (70, 15, 12, 3),
        )[0]
        return self._base(
            kind=CustomerKind.INDIVIDUAL,
            name=name,
            gender=gender,
            birthday=born if has_birthday else None,
            birthday_is_lunar=has_birthday and rng.random() < 0.25,
            id_number=_id_number(rng, born, gender) if rng.random() < 0.6 else "",
            occupation=occupation,
            level=rng.choices(*self._levels)[0],
            category=rng.choices(*self._categories)[0],
            address=self._address() if rng.random() < 0.8 else "",
            email=f"{rng.choice('abcdefghjkmnpqrstwxyz')}{rng.randrange(10**6):06d}@qq.com"
            if rng.random() < 0.3
            else "",
            mobile=self._mobile() if rng.random() < 0.98 else "",
            home_phone=self._landline() if rng.random() < 0.15 else "",
            office_phone=self._landline() if rng.random() < 0.2 else "",
            source=source,
            club_level=rng.choices(*self._clubs)[0],
        )

    def _company(self) -> CustomerRow:
        rng = self.rng
        suffix, industry = rng.choice(cat.COMPANY_TRADES)
        place = rng.choice(cat.COMPANY_PLACES) if self.profile.city == "深圳" else f"{self.profile.city}市"
        name = f"{place}{rng.choice(cat.COMPANY_WORDS)}{suffix}"
        row = self._base(
            kind=CustomerKind.COMPANY,
            name=name,
            gender=Gender.UNKNOWN,
            birthday=None,
            birthday_is_lunar=False,
            id_number="91440300" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(10)),
            occupation=industry,
            level=rng.choice(("A", "VIP")),
            category="公司车",
            address=self._address(),
            email="",
            mobile="",
            home_phone="",
            office_phone=self._landline(),
            source=CustomerSource.SALE,
            club_level="",
            preferred_channel=Channel.PHONE,
            best_contact_time="工作日 09:00-17:30",
            marketing_consent=rng.random() < 0.5,
        )
        manager, _ = self._person_name()
        row.contacts.append(
            ContactRow(
                role=ContactRole.FLEET_MANAGER,
                name=manager,
                phone=row.office_phone,
                extension=str(rng.randint(801, 899)),
                department="行政部",
                note=rng.choice(("车管", "行政主管", "车队负责人")),
            )
        )
        if rng.random() < 0.4:
            boss, _ = self._person_name()
            if boss != manager:
                row.contacts.append(
                    ContactRow(role=ContactRole.DECISION_MAKER, name=boss, phone=self._mobile(), note="总经理")
                )
        return row

    def _driver(self, row: CustomerRow, index: int, plate: str) -> ContactRow | None:
        if index > 0 and self.rng.random() < 0.3:
            return row.vehicles[0].driver  # one driver looks after two of the fleet's cars
        taken = {c.name for c in row.contacts}
        for _ in range(5):
            name, _gender = self._person_name()
            if name not in taken:
                contact = ContactRow(role=ContactRole.DRIVER, name=name, phone=self._mobile(), note=f"专属司机 {plate}")
                row.contacts.append(contact)
                return contact
        return None

    # ----- vehicles ---------------------------------------------------------------------------
    def _vin(self, model: cat.CarModel, year: int) -> str:
        serial = self.vehicle_serial
        self.vehicle_serial += 1
        wmi = "LSV" if self.rng.random() < 0.9 else "LSJ"
        plant = cat.PLANT_CODES[(serial // 1_000_000) % len(cat.PLANT_CODES)]
        year_code = cat.YEAR_CODES.get(year, "S")
        vin = f"{wmi}{model.vds}0{year_code}{plant}{serial % 1_000_000:06d}"
        return vin[:8] + vin_check_digit(vin) + vin[9:]

    def _plate(self) -> str:
        prefixes = self.profile.plate_prefixes
        if self.rng.random() < NEW_ENERGY_SHARE:
            i = self.new_energy_serial
            self.new_energy_serial += 1
            prefix = prefixes[(i // _NEW_ENERGY_SPACE) % len(prefixes)]
            n = (i * 7919 + 4271) % _NEW_ENERGY_SPACE
            digits, rest = n % 10_000, n // 10_000
            return f"{prefix}{'DF'[rest // 34]}{_PLATE_ALNUM[rest % 34]}{digits:04d}"
        i = self.vehicle_serial
        prefix = prefixes[(i // _ORDINARY_SPACE) % len(prefixes)]
        n = (i * 7919 + 104_729) % _ORDINARY_SPACE
        digits, rest = n % 1000, n // 1000
        return f"{prefix}{_PLATE_ALNUM[rest // 34]}{_PLATE_ALNUM[rest % 34]}{digits:03d}"

    def _vehicle(self, *, stop: date, loyalty: float, booking: float, fleet: bool) -> VehicleRow:
        rng = self.rng
        model = rng.choices(self._models, self._model_weights)[0]
        purchase = self.today - timedelta(days=rng.randint(7, PURCHASE_SPAN_DAYS))
        delivery = purchase + timedelta(days=rng.randint(0, 10))
        plate = self._plate()
        vin = self._vin(model, purchase.year)
        years_old = relativedelta(self.today, purchase).years
        insurance = purchase + relativedelta(years=years_old + 1)
        if rng.random() < 0.1:
            insurance -= relativedelta(years=1)  # renewed elsewhere: the store only knows an old expiry
        vehicle = VehicleRow(
            vin=vin,
            plate=plate,
            model=model.name,
            trim=f"{purchase.year}款 {rng.choice(model.trims)}",
            purchase_date=purchase,
            delivery_date=delivery,
            warranty_end_date=delivery + relativedelta(years=WARRANTY_YEARS),
            insurance_expiry=insurance,
            # New private cars are exempt from inspection for six years (公安部 2022 rules).
            inspection_due=purchase + relativedelta(years=6 if years_old < 6 else years_old + 1),
            licence_due=None,
            delivery_km=rng.randint(5, 40),
        )
        km_per_day = rng.uniform(50, 120) if fleet else min(120.0, max(15.0, rng.lognormvariate(3.6, 0.45)))
        self._orders(vehicle, model, km_per_day=km_per_day, stop=stop, loyalty=loyalty, booking=booking)
        return vehicle

    # ----- repair orders ----------------------------------------------------------------------
    def _orders(self, vehicle: VehicleRow, model: cat.CarModel, *, km_per_day, stop, loyalty, booking) -> None:
        rng = self.rng
        delivery = vehicle.delivery_date
        last_day = min(stop, self.today)
        visits: list[tuple[date, str, tuple | None, bool]] = []  # (day, type, (fault, items) or None, repeat)

        # 首保 then 定保: every 5,000 km or 3 months, whichever first, as real drivers keep it (late, sometimes not).
        interval = min(MAINTENANCE_INTERVAL_KM / km_per_day, MAINTENANCE_INTERVAL_MONTHS * 30.4)
        day = delivery + timedelta(
            days=round(min(FIRST_SERVICE_DAYS, FIRST_SERVICE_KM / km_per_day) * rng.uniform(0.8, 1.2))
        )
        if day <= last_day and rng.random() < 0.93:
            visits.append((day, RepairOrderType.FIRST_FREE_SERVICE, None, False))
        while True:
            day += timedelta(days=max(20, round(interval * rng.uniform(1.0, 1.7))))
            if day > last_day:
                break
            if rng.random() < loyalty:
                visits.append((day, RepairOrderType.MAINTENANCE, None, False))

        start = max(delivery, self.history_start)
        span = (last_day - start).days
        if span > 0:
            years = span / 365
            for ro_type, rate, pool in (
                (RepairOrderType.REPAIR, cat.RO_TYPE_WEIGHTS[RepairOrderType.REPAIR], cat.REPAIRS),
                (RepairOrderType.INSURANCE, cat.RO_TYPE_WEIGHTS[RepairOrderType.INSURANCE], cat.ACCIDENTS),
                (RepairOrderType.OTHER, cat.RO_TYPE_WEIGHTS[RepairOrderType.OTHER], cat.OTHERS),
            ):
                visits.extend(
                    (start + timedelta(days=rng.randrange(span)), ro_type, rng.choice(pool), False)
                    for _ in range(_poisson(rng, rate * years))
                )
            warranty_span = (min(last_day, vehicle.warranty_end_date) - start).days
            if warranty_span > 0:
                rate = cat.RO_TYPE_WEIGHTS[RepairOrderType.WARRANTY] * warranty_span / 365
                for _ in range(_poisson(rng, rate)):
                    day = start + timedelta(days=rng.randrange(warranty_span))
                    visits.append((day, RepairOrderType.WARRANTY, rng.choice(cat.WARRANTIES), False))
            if vehicle.purchase_date.year <= 2024 and rng.random() < 0.12:
                visits.append(
                    (
                        start + timedelta(days=rng.randrange(span)),
                        RepairOrderType.RECALL,
                        rng.choice(cat.RECALLS),
                        False,
                    )
                )
            if rng.random() < REPEAT_REPAIR_SHARE:
                fault = rng.choice(cat.REPEAT_FAULTS)
                day = start + timedelta(days=rng.randrange(span))
                ro_type = RepairOrderType.WARRANTY if day <= vehicle.warranty_end_date else RepairOrderType.REPAIR
                visits.append((day, ro_type, fault, False))
                for _ in range(rng.choices((1, 2, 3), (60, 25, 15))[0]):
                    day += timedelta(days=rng.randint(4, 28))
                    if day > last_day:
                        break
                    visits.append((day, ro_type, fault, True))

        visits.sort(key=lambda v: v[0])
        services_done = 0
        for day, ro_type, job, repeat in visits:
            if day < self.history_start:
                if ro_type in (RepairOrderType.FIRST_FREE_SERVICE, RepairOrderType.MAINTENANCE):
                    services_done += 1
                continue
            km = vehicle.delivery_km + round(km_per_day * (day - delivery).days * rng.uniform(0.96, 1.04))
            if vehicle.orders:
                km = max(km, vehicle.orders[-1].mileage_in + rng.randint(3, 60))
            if ro_type in (RepairOrderType.FIRST_FREE_SERVICE, RepairOrderType.MAINTENANCE):
                services_done += 1
                fault = "首次保养" if ro_type == RepairOrderType.FIRST_FREE_SERVICE else f"{round(km, -3):,} 公里保养"
                lines = self._maintenance_lines(model, services_done, ro_type)
            else:
                fault, items = job
                lines = [self._line(item) for item in items]
            vehicle.orders.append(self._order(day, ro_type, km, fault, lines, repeat, booking))

    def _maintenance_lines(self, model: cat.CarModel, nth: int, ro_type: str) -> list[LineRow]:
        rng = self.rng
        litres = model.oil_litres * 10  # tenths of a litre -> hundredths
        lines = [
            self._line(cat.CHANGE_OIL),
            self._line(cat.OIL, litres),
            self._line(cat.OIL_FILTER),
            self._line(cat.DRAIN_WASHER),
        ]
        if ro_type == RepairOrderType.FIRST_FREE_SERVICE:
            lines.insert(0, self._line(cat.CHECK))
            return lines
        extra = []
        if nth % 2 == 0:
            extra += cat.CABIN_FILTER
        if nth % 4 == 0:
            extra += cat.AIR_FILTER
        if nth % 8 == 0:
            extra += cat.SPARK_PLUGS
        if nth % 6 == 0:
            extra += cat.BRAKE_FLUID
        if rng.random() < 0.25:
            extra += rng.choice(cat.UPSELLS)
        lines += [self._line(item) for item in extra]
        return lines

    @staticmethod
    def _line(item: cat.Item, quantity_centi: int | None = None) -> LineRow:
        quantity_centi = item.quantity_centi if quantity_centi is None else quantity_centi
        amount = (item.unit_fen * quantity_centi + 50) // 100
        return LineRow(item.kind, item.code, item.description, quantity_centi, item.unit_fen, amount)

    def _order(self, day: date, ro_type: str, km: int, fault: str, lines: list[LineRow], repeat: bool, booking: float):
        rng = self.rng
        seq = self.ro_per_day.get(day, 0) + 1
        self.ro_per_day[day] = seq
        opened = self._at(
            day, rng.choices((8, 9, 10, 11, 13, 14, 15, 16), (6, 14, 14, 10, 8, 10, 8, 5))[0], rng.randint(0, 59)
        )
        if ro_type in (RepairOrderType.FIRST_FREE_SERVICE, RepairOrderType.MAINTENANCE, RepairOrderType.OTHER):
            delivered = opened + timedelta(minutes=rng.randint(80, 260))
        elif ro_type == RepairOrderType.INSURANCE:
            delivered = opened + timedelta(days=rng.randint(3, 12), hours=rng.randint(-3, 3))
        else:
            delivered = opened + timedelta(hours=rng.choice((3, 5, 24, 26, 48, 72)))
        if delivered.hour >= 19 or delivered.hour < 9:
            delivered = self._at(delivered.date() + timedelta(days=delivered.hour >= 19), 10, rng.randint(0, 59))
        labour_fen = sum(line.amount_fen for line in lines if line.kind == "labour")
        parts_fen = sum(line.amount_fen for line in lines if line.kind == "part")
        appointment_bias = 1.0 if ro_type in (RepairOrderType.MAINTENANCE, RepairOrderType.FIRST_FREE_SERVICE) else 0.4
        return OrderRow(
            number=f"RO{day:%Y%m%d}{seq:05d}",
            ro_type=ro_type,
            opened_at=opened,
            delivered_at=delivered if delivered.date() < self.today else None,
            mileage_in=km,
            advisor_name=rng.choice(self.profile.advisors),
            technician_name=rng.choice(self.profile.technicians),
            fault_description=fault,
            is_repeat_repair=repeat,
            is_appointment=rng.random() < booking * appointment_bias,
            lines=lines,
            labour_fen=labour_fen,
            parts_fen=parts_fen,
        )

    def _at(self, day: date, hour: int, minute: int) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count by inversion; good enough for the small means used here."""
    threshold, count, product = 2.718281828459045**-mean, 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(rng: random.Random, born: date, gender: str) -> str:
    """A made-up 18-digit resident ID of a Shenzhen district with a correct check character (GB 11643)."""
    area = rng.choice(("440301", "440303", "440304", "440305", "440306", "440307", "440309"))
    order = rng.randrange(0, 999) // 2 * 2 + (1 if gender == Gender.MALE else 0)
    body = f"{area}{born:%Y%m%d}{order:03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]
    return body + check
