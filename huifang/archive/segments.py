"""Seed 002 客户细分 (customer segmentation), defined once: spend, paid maintenance/repair visits (free service,
warranty and insurance excluded), car-club level and customer type.

Club invitations, group messages (operations) and reminder rules (followups) all filter through
`segment_customers`; a segment travels as a small dict (stored as JSON on rules and campaigns) that
`segment_clean` checks and normalises."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from .choices import UNPAID_TYPES, CustomerKind
from .models import Customer, RepairOrder

# The keys a segment may carry; anything else is refused.
# Spend is summed as DecimalField(max_digits=14, decimal_places=2): a bound at or past it cannot be compared.
SPEND_LIMIT = Decimal(10**12)
SEGMENT_KEYS = ("spend_min", "spend_max", "paid_visits_min", "paid_visits_max", "club_level", "kind")


def segment_customers(
    *,
    store,
    spend_min: Decimal | None = None,
    spend_max: Decimal | None = None,
    paid_visits_min: int | None = None,
    paid_visits_max: int | None = None,
    club_level=None,
    kind: str | None = None,
    since: date | None = None,
) -> QuerySet[Customer]:
    """The store's customers in the segment, with `spend` and `paid_visits` annotated; one query, usable as a
    subquery (`.values("pk")`)."""
    paid = RepairOrder.objects.filter(customer=OuterRef("pk")).exclude(ro_type__in=UNPAID_TYPES)
    if since is not None:
        paid = paid.filter(opened_at__date__gte=since)
    spend = paid.order_by().values("customer").annotate(total=Sum("total_amount")).values("total")
    visits = paid.order_by().values("customer").annotate(n=Count("pk")).values("n")
    customers = Customer.objects.filter(store=store).annotate(
        spend=Coalesce(Subquery(spend, output_field=DecimalField(max_digits=14, decimal_places=2)), Value(Decimal(0))),
        paid_visits=Coalesce(Subquery(visits, output_field=IntegerField()), Value(0)),
    )
    if spend_min is not None:
        customers = customers.filter(spend__gte=spend_min)
    if spend_max is not None:
        customers = customers.filter(spend__lte=spend_max)
    if paid_visits_min is not None:
        customers = customers.filter(paid_visits__gte=paid_visits_min)
    if paid_visits_max is not None:
        customers = customers.filter(paid_visits__lte=paid_visits_max)
    if club_level:
        # club_memberships: operations.ClubMember (the car club lives in the operations app).
        customers = customers.filter(
            club_memberships__store=store, club_memberships__active=True, club_memberships__level=club_level
        )
    if kind:
        customers = customers.filter(kind=kind)
    return customers


def segment_q(*, store, segment: dict | None, prefix: str = "") -> Q:
    """A filter for rows reaching a customer through `prefix` ("" for Customer, "customer__" for a vehicle or a
    repair order): inside the segment. An empty segment is everyone (no condition)."""
    if not segment:
        return Q()
    members = segment_customers(store=store, **segment_kwargs(segment)).order_by().values("pk")
    return Q(**{f"{prefix}pk__in": members})


def segment_kwargs(segment: dict) -> dict:
    """A stored (JSON) segment as keyword arguments of segment_customers (decimals back from strings)."""
    values = {key: value for key, value in segment.items() if key in SEGMENT_KEYS and value not in (None, "")}
    for key in ("spend_min", "spend_max"):
        if values.get(key) is not None:
            values[key] = Decimal(str(values[key]))
    return values


def segment_clean(raw: dict | None, *, club_levels: set[int] | None = None) -> dict:
    """Check and normalise a segment for storing as JSON: known keys only, non-negative bounds in order, a
    club level of the store, a known customer type. Empty values are dropped; {} means everyone.
    Raises ValidationError naming the field."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise ValidationError({"segment": _("The segment must be a set of filters.")})
    unknown = sorted(set(raw) - set(SEGMENT_KEYS))
    if unknown:
        raise ValidationError({"segment": _("Unknown segment filter: %(keys)s.") % {"keys": ", ".join(unknown)}})
    errors: dict[str, str] = {}
    clean: dict = {}
    for key in ("spend_min", "spend_max"):
        value = raw.get(key)
        if value in (None, ""):
            continue
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            errors[key] = _("Enter an amount in RMB.")
            continue
        if not amount.is_finite() or amount < 0:
            errors[key] = _("Enter an amount of 0 or more.")
            continue
        if amount >= SPEND_LIMIT:
            errors[key] = _("Enter an amount below %(limit)s.") % {"limit": SPEND_LIMIT}
            continue
        clean[key] = str(amount.quantize(Decimal("0.01")))
    for key in ("paid_visits_min", "paid_visits_max"):
        value = raw.get(key)
        if value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            errors[key] = _("Enter a whole number.")
            continue
        if number < 0 or str(number) != str(value).strip():
            errors[key] = _("Enter a whole number of 0 or more.")
            continue
        clean[key] = number
    level = raw.get("club_level")
    if level not in (None, ""):
        try:
            level_id = int(level)
        except (TypeError, ValueError):
            level_id = None
        if level_id is None or (club_levels is not None and level_id not in club_levels):
            errors["club_level"] = _("Choose a club level of this store.")
        else:
            clean["club_level"] = level_id
    kind = raw.get("kind")
    if kind not in (None, ""):
        if kind not in CustomerKind.values:
            errors["kind"] = _("Choose a customer type.")
        else:
            clean["kind"] = kind
    for low, high in (("spend_min", "spend_max"), ("paid_visits_min", "paid_visits_max")):
        if low in clean and high in clean and Decimal(str(clean[low])) > Decimal(str(clean[high])):
            errors[high] = _("Must not be below the lower bound.")
    if errors:
        raise ValidationError(errors)
    return clean


def segment_describe(segment: dict, *, level_names: dict[int, str] | None = None) -> str:
    """A short human reading of a stored segment for lists ("spend ≥ 1000 · club level 金卡")."""
    if not segment:
        return _("All customers")
    parts = []
    if "spend_min" in segment or "spend_max" in segment:
        parts.append(_("spend %(low)s–%(high)s RMB") % _bounds(segment, "spend"))
    if "paid_visits_min" in segment or "paid_visits_max" in segment:
        parts.append(_("paid visits %(low)s–%(high)s") % _bounds(segment, "paid_visits"))
    if segment.get("club_level"):
        name = (level_names or {}).get(segment["club_level"], f"#{segment['club_level']}")
        parts.append(_("club level %(name)s") % {"name": name})
    if segment.get("kind"):
        parts.append(str(CustomerKind(segment["kind"]).label))
    return " · ".join(parts)


def _bounds(segment: dict, name: str) -> dict:
    return {"low": segment.get(f"{name}_min", "0"), "high": segment.get(f"{name}_max", "∞")}
