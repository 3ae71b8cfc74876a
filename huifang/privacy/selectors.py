"""Reads for the privacy screens, always scoped to the stores where the user is care director (or admin)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.db.models import DateTimeField, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from huifang.accounts.choices import Role
from huifang.accounts.models import Store, User
from huifang.accounts.selectors import stores_where_role
from huifang.archive.models import Customer, RepairOrder, Vehicle
from huifang.audit.models import AuditEntry
from huifang.messaging.models import OutboxMessage
from huifang.workbench.models import CallRecord

from .choices import LOGGED_ACTIONS, RequestKind
from .models import DataRightsRequest, PrivacyPolicy

# Data rights and the access log belong to the care director (brief §1) and the administrator.
PRIVACY_ROLES = frozenset({Role.CARE_DIRECTOR, Role.ADMIN})


def privacy_stores_for(*, user: User) -> QuerySet[Store]:
    """The stores where the user may run data rights and read the access log."""
    return stores_where_role(user=user, roles=PRIVACY_ROLES).order_by("name", "pk")


def customers_for(*, user: User) -> QuerySet[Customer]:
    """Customers of those stores (another store's customer id gives 404)."""
    return Customer.objects.filter(store__in=privacy_stores_for(user=user)).select_related("store")


def _latest(queryset, field: str) -> Subquery:
    rows = queryset.filter(customer=OuterRef("pk")).order_by().values("customer")
    return Subquery(rows.annotate(v=Max(field)).values("v")[:1], output_field=DateTimeField())


def with_last_activity(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    """Annotate `last_activity`: the latest visit, repair order, call or message (creation when none)."""
    epoch = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
    parts = [
        Coalesce(_latest(Vehicle.objects, "last_visit_at"), epoch),
        Coalesce(_latest(RepairOrder.objects, "opened_at"), epoch),
        Coalesce(_latest(CallRecord.objects, "ended_at"), epoch),
        Coalesce(_latest(OutboxMessage.objects, "created_at"), epoch),
        F("created_at"),
    ]
    return customers.annotate(last_activity=Greatest(*parts, output_field=DateTimeField()))


def erased_customers() -> QuerySet[DataRightsRequest]:
    return DataRightsRequest.objects.filter(kind=RequestKind.ERASE, customer=OuterRef("pk"))


def retention_candidates(*, store: Store, now: datetime) -> QuerySet[Customer]:
    """The store's customers without activity for longer than its retention period, oldest first,
    not yet erased."""
    policy = PrivacyPolicy.objects.filter(store=store).first()
    years = policy.retention_years if policy else PrivacyPolicy._meta.get_field("retention_years").default
    cutoff = now - relativedelta(years=years)
    return (
        with_last_activity(Customer.objects.filter(store=store))
        .filter(last_activity__lt=cutoff)
        .exclude(Exists(erased_customers()))
        .order_by("last_activity", "pk")
    )


def _in_stores(stores: QuerySet[Store]) -> Q:
    """Entries of the stores: those carrying the store, and store-wide exports recorded on the store itself
    (reports and letters are audited with the store as the object, which leaves AuditEntry.store empty)."""
    store_type = ContentType.objects.get_for_model(Store)
    return Q(store__in=stores) | Q(store__isnull=True, content_type=store_type, object_id__in=stores.values("pk"))


def access_log_for(
    *,
    user: User,
    store: Store | None = None,
    actor_id: int | None = None,
    action: str = "",
    since: date | None = None,
    until: date | None = None,
    tz: ZoneInfo | None = None,
) -> QuerySet[AuditEntry]:
    """Reveals of full numbers, exports and erasures in the user's privacy stores, newest first."""
    stores = privacy_stores_for(user=user)
    if store is not None:
        stores = stores.filter(pk=store.pk)
    entries = AuditEntry.objects.filter(action__in=list(LOGGED_ACTIONS)).filter(_in_stores(stores))
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    if action:
        entries = entries.filter(action=action)
    tz = tz or ZoneInfo("Asia/Shanghai")
    if since:
        entries = entries.filter(at__gte=datetime.combine(since, time.min, tzinfo=tz))
    if until:
        entries = entries.filter(at__lt=datetime.combine(until + relativedelta(days=1), time.min, tzinfo=tz))
    return entries.select_related("actor", "store", "content_type").order_by("-at", "-id")


def log_actors(*, user: User) -> QuerySet[User]:
    """Who appears in the access log of the user's stores, for the filter."""
    ids = (
        AuditEntry.objects.filter(action__in=list(LOGGED_ACTIONS), actor__isnull=False)
        .filter(_in_stores(privacy_stores_for(user=user)))
        .values("actor")
    )
    return User.objects.filter(pk__in=ids).order_by("username")


def requests_for_customer(*, customer: Customer) -> QuerySet[DataRightsRequest]:
    return DataRightsRequest.objects.filter(customer=customer).select_related("actor")
