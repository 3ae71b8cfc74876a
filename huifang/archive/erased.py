"""Erased customers stay erased (PIPL): their identifiers are remembered as keyed digests, and a DMS
import rejects rows that would bring them back, naming the reason on the rejection report."""

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings

from .models import Customer, ErasedIdentity

DMS_CODE, ID_NUMBER, MOBILE_NAME = "dms_code", "id_number", "mobile_name"


def identity_digest(*, store_id: int, kind: str, value: str) -> str:
    """HMAC-SHA256 under the project's secret key, so a leaked table cannot be reversed by trying every
    phone number (rotating SECRET_KEY forgets the list)."""
    message = f"{store_id}:{kind}:{value.strip().upper()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def identities_of(*, dms_code: str = "", id_number: str = "", mobile: str = "", name: str = "") -> list[tuple]:
    """The (kind, value) pairs a customer is recognised by in a DMS file."""
    pairs = [(DMS_CODE, dms_code), (ID_NUMBER, id_number)]
    if mobile and name:
        pairs.append((MOBILE_NAME, f"{mobile}|{name}"))
    return [(kind, value) for kind, value in pairs if value]


def identities_remember(*, customer_ids: Iterable[int], now: datetime) -> int:
    """Called before the erasure clears them: one digest per identifier, once."""
    rows = Customer.objects.filter(pk__in=list(customer_ids)).values_list(
        "store_id", "dms_code", "id_number", "mobile", "name"
    )
    entries = [
        ErasedIdentity(
            store_id=store_id,
            kind=kind,
            digest=identity_digest(store_id=store_id, kind=kind, value=value),
            erased_at=now,
        )
        for store_id, dms_code, id_number, mobile, name in rows
        for kind, value in identities_of(dms_code=dms_code, id_number=id_number, mobile=mobile, name=name)
    ]
    return len(ErasedIdentity.objects.bulk_create(entries, ignore_conflicts=True))


def erased_digests(*, store_id: int) -> set[tuple[str, str]]:
    """Every remembered (kind, digest) of the store (a short list: one import loads it once)."""
    return set(ErasedIdentity.objects.filter(store_id=store_id).values_list("kind", "digest"))


def is_erased(customer: dict, *, store_id: int, erased: set[tuple[str, str]]) -> bool:
    """Whether a parsed DMS customer matches an erased one by any of its identifiers."""
    pairs = identities_of(
        dms_code=customer.get("dms_code") or "",
        id_number=customer.get("id_number") or "",
        mobile=customer.get("mobile") or "",
        name=customer.get("name") or "",
    )
    return any((kind, identity_digest(store_id=store_id, kind=kind, value=value)) in erased for kind, value in pairs)
