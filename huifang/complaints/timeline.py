"""The customer 360 page's timeline shows the customer's complaints (registered with the archive's registry)."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from huifang.archive.models import Customer
from huifang.archive.selectors import TIMELINE_LIMIT, TimelineEvent, timeline_source

from .models import Complaint


@timeline_source
def complaint_events(customer: Customer) -> Iterable[TimelineEvent]:
    """One entry per complaint: number, category, status and level; major ones badged."""
    rows = (
        Complaint.objects.filter(customer=customer)
        .only("id", "number", "category", "status", "level", "received_at", "content", "is_major", "channel")
        .order_by("-received_at", "-id")[:TIMELINE_LIMIT]
    )
    for row in rows:
        badges = [str(row.get_status_display()), f"L{row.level}"]
        if row.is_major:
            badges.insert(0, _("Major complaint"))
        yield TimelineEvent(
            at=row.received_at,
            kind="complaint",
            title=f"{_('Complaint')} · {row.number} · {row.get_category_display()}",
            detail=row.content[:120],
            url=reverse("complaints:detail", args=[row.pk]),
            badges=tuple(badges),
        )
