"""Reads of the archive, always scoped to the stores the user may see."""

import re

from django.db.models import Q, QuerySet

from huifang.accounts.selectors import stores_visible_to
from huifang.core.phones import phone_search_digits
from huifang.core.vehicle_ids import plate_search_key

from .models import Customer, RepairOrder, Vehicle
from .search_keys import name_pinyin

SEARCH_LIMIT = 50
_LATIN = re.compile(r"^[a-z ]+$")
_VINLIKE = re.compile(r"^[A-HJ-NPR-Z0-9]{6,17}$")


def customers_visible_to(*, user) -> QuerySet[Customer]:
    return Customer.objects.filter(store__in=stores_visible_to(user=user))


def vehicles_visible_to(*, user) -> QuerySet[Vehicle]:
    return Vehicle.objects.filter(store__in=stores_visible_to(user=user))


def repair_orders_visible_to(*, user) -> QuerySet[RepairOrder]:
    return RepairOrder.objects.filter(store__in=stores_visible_to(user=user))


def customer_search(*, user, query: str, store=None, limit: int = SEARCH_LIMIT) -> QuerySet[Customer]:
    """Customers matching a name (Chinese, full pinyin or initials: 'zs' finds 张三), phone, plate or VIN."""
    customers = customers_visible_to(user=user).select_related("store")
    if store is not None:
        customers = customers.filter(store=store)
    text = (query or "").strip()
    if not text:
        return customers.order_by("-updated_at")[:limit]
    condition = Q(name__icontains=text) | Q(dms_code__iexact=text)
    lowered = text.lower()
    if _LATIN.match(lowered):
        compact = lowered.replace(" ", "")
        condition |= Q(name_initials__startswith=compact) | Q(name_pinyin__startswith=compact)
    elif any("\u4e00" <= ch <= "\u9fff" for ch in text):
        condition |= Q(name_pinyin__startswith=name_pinyin(text))
    digits = phone_search_digits(text)
    if len(digits) >= 4:
        condition |= Q(phone_digits__contains=digits)
    key = plate_search_key(text)
    if len(key) >= 3:
        condition |= Q(vehicles__plate__icontains=key) | Q(contacts__phone__contains=digits or "\x00")
    if _VINLIKE.match(key):
        condition |= Q(vehicles__vin__endswith=key) if len(key) < 17 else Q(vehicles__vin=key)
    matching = customers.filter(condition).values("pk")
    return customers.filter(pk__in=matching).order_by("name", "pk")[:limit]
