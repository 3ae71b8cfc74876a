"""The demo organisation (regions, group, two stores, one user per role) and its generated archive."""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from huifang.accounts.choices import Role, Scope
from huifang.accounts.models import DealerGroup, Membership, Region, Store, User
from huifang.archive.models import Customer

from .generator import DemoGenerator
from .loading import load_into_db
from .rows import GUANGZHOU, SHENZHEN, StoreProfile

# The second store gets a fifth of the first store's customers; its VINs and plates start far away.
SECOND_STORE_SHARE = 5
SECOND_STORE_SERIAL = 5_000_000


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    scope: str = Scope.STORE
    store: str = "SZ01"


DEMO_USERS = (
    DemoUser("specialist", "赵静", Role.CARE_SPECIALIST),
    DemoUser("specialist2", "孙丽", Role.CARE_SPECIALIST),
    DemoUser("advisor", "王磊", Role.SERVICE_ADVISOR),  # the name on many SZ01 repair orders
    DemoUser("advisor2", "李娜", Role.SERVICE_ADVISOR),
    DemoUser("svcmanager", "陈刚", Role.SERVICE_MANAGER),
    DemoUser("salesmanager", "吴敏", Role.SALES_MANAGER),
    DemoUser("director", "周慧", Role.CARE_DIRECTOR),
    DemoUser("group", "郑国强", Role.GROUP_MANAGER, Scope.GROUP),
    DemoUser("oem", "林志远", Role.OEM_REGIONAL, Scope.REGION),
    DemoUser("admin", "系统管理员", Role.ADMIN, Scope.GROUP),
    DemoUser("gz_specialist", "何芳", Role.CARE_SPECIALIST, store="GZ01"),
)


@dataclass(frozen=True)
class DemoStore:
    code: str
    name: str
    city: str
    phone: str
    profile: StoreProfile
    share: int  # customers = requested // share
    seed_offset: int
    serial_start: int


DEMO_STORES = (
    DemoStore("SZ01", "深圳粤通斯柯达4S店", "深圳", "0755-86001234", SHENZHEN, 1, 0, 0),
    DemoStore(
        "GZ01", "广州粤通斯柯达4S店", "广州", "020-38801234", GUANGZHOU, SECOND_STORE_SHARE, 1, SECOND_STORE_SERIAL
    ),
)


class DemoRefused(Exception):
    """The database holds real stores: the demo writes nothing into it."""


def demo_database_check() -> None:
    """Refuse a database that holds real (non-demo) stores and no demo store: it is a production database.

    A demo database may gain a real store later (to try the set-up screens); the demo then keeps writing
    only into its own stores, never into that one.
    """
    real = list(Store.objects.filter(is_demo=False).values_list("code", flat=True)[:5])
    if real and not Store.objects.filter(is_demo=True).exists():
        raise DemoRefused(
            f"this database holds real stores ({', '.join(real)}) and no demo store: the demo is not loaded into it"
        )
    clash = list(
        Store.objects.filter(is_demo=False, code__in=[s.code for s in DEMO_STORES]).values_list("code", flat=True)
    )
    if clash:
        raise DemoRefused(f"store code(s) {', '.join(clash)} belong to real stores: the demo is not loaded")


def demo_organisation_ensure() -> dict[str, Store]:
    """Regions, the dealer group, both stores and every demo user with their membership (get_or_create)."""
    demo_database_check()
    with transaction.atomic():
        south, _ = Region.objects.get_or_create(code="SOUTH", defaults={"name": "华南区"})
        Region.objects.get_or_create(code="EAST", defaults={"name": "华东区"})
        group, _ = DealerGroup.objects.get_or_create(code="YUETONG", defaults={"name": "粤通汽车集团"})
        stores = {}
        for spec in DEMO_STORES:
            stores[spec.code], _ = Store.objects.get_or_create(
                code=spec.code,
                defaults={
                    "name": spec.name,
                    "group": group,
                    "region": south,
                    "brand": "斯柯达",
                    "city": spec.city,
                    "phone": spec.phone,
                    "is_demo": True,
                },
            )
        # One hash for every demo login: PBKDF2 takes a third of a second each time.
        password = make_password(settings.DEMO_PASSWORD)
        for spec in DEMO_USERS:
            is_admin = spec.role == Role.ADMIN
            user, _ = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "display_name": spec.display_name,
                    "password": password,
                    "is_staff": is_admin,
                    "is_superuser": is_admin,
                },
            )
            target = {
                Scope.STORE: {"store": stores[spec.store]},
                Scope.GROUP: {"group": group},
                Scope.REGION: {"region": south},
            }[spec.scope]
            Membership.objects.get_or_create(user=user, role=spec.role, scope=spec.scope, **target)
    return stores


def demo_seed(
    *, customers: int, seed: int, today: date, store_code: str | None = None, if_empty: bool = False
) -> Counter:
    """Create the demo organisation and fill each store that has no customers yet; return what was created."""
    counts: Counter = Counter()
    if if_empty and Customer.objects.filter(store__is_demo=True).exists():
        return counts
    stores = demo_organisation_ensure()
    advisors = dict(
        User.objects.filter(memberships__role=Role.SERVICE_ADVISOR).values_list("display_name", "pk").distinct()
    )
    for spec in DEMO_STORES:
        store = stores[spec.code]
        if store_code and spec.code != store_code:
            continue
        if Customer.objects.filter(store=store).exists():
            counts[f"{spec.code} skipped (has customers)"] += 1
            continue
        generator = DemoGenerator(
            seed=seed + spec.seed_offset, today=today, profile=spec.profile, serial_start=spec.serial_start
        )
        store_advisors = {name: pk for name, pk in advisors.items() if name in spec.profile.advisors}
        counts.update(
            load_into_db(
                store=store,
                customers=generator.customers(max(1, customers // spec.share)),
                today=today,
                advisors=store_advisors,
            )
        )
    return counts
