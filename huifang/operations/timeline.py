"""The customer 360 timeline shows the customer's car-club sign-ups (registered with the archive's registry)."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from huifang.archive.models import Customer
from huifang.archive.selectors import TIMELINE_LIMIT, TimelineEvent, timeline_source

from .models import EventSignup


@timeline_source
def club_signup_events(customer: Customer) -> Iterable[TimelineEvent]:
    """One entry per event sign-up: the event, its date and the sign-up's status."""
    rows = (
        EventSignup.objects.filter(member__customer=customer)
        .select_related("event")
        .order_by("-signed_up_at", "-pk")[:TIMELINE_LIMIT]
    )
    for row in rows:
        badges = [str(row.get_status_display())]
        if row.attended is not None:
            badges.append(_("Attended") if row.attended else _("Absent"))
        yield TimelineEvent(
            at=row.signed_up_at,
            kind="club_signup",
            title=f"{_('Car club')} · {row.event.title}",
            detail=f"{timezone.localtime(row.event.starts_at):%Y-%m-%d %H:%M} · {row.get_source_display()}",
            url=reverse("operations:event_detail", args=[row.event.store_id, row.event_id]),
            badges=tuple(badges),
        )
