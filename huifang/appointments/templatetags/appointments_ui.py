"""The customer page's appointments panel (upcoming and past visits, with a booking button)."""

from django import template

from huifang.accounts.selectors import has_role
from huifang.core import clock

from ..choices import PENDING_STATUSES
from ..selectors import BOOKING_ROLES, appointments_for_customer

register = template.Library()

# Past appointments shown on the customer page; the calendar holds the rest.
PAST_LIMIT = 10


@register.inclusion_tag("appointments/_customer_panel.html", takes_context=True)
def customer_appointments(context, customer, task=None, complaint=None):
    request = context["request"]
    now = clock.now()
    rows = list(appointments_for_customer(customer=customer)[: PAST_LIMIT + 20])
    upcoming = sorted((a for a in rows if a.status in PENDING_STATUSES and a.ends_at > now), key=lambda a: a.starts_at)
    past = [a for a in rows if a not in upcoming][:PAST_LIMIT]
    return {
        "customer": customer,
        "upcoming": upcoming,
        "past": past,
        "may_book": has_role(user=request.user, store=customer.store, roles=BOOKING_ROLES),
        "task": task,
        "complaint": complaint,
        "next": request.get_full_path(),
    }
