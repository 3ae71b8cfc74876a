"""Staff notifications (站内通知): the list of mine, marking read, and the header bell."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from huifang.core import clock

from . import selectors, services

PAGE_SIZE = 50


@login_required
def notification_list(request):
    """My notifications, unread first, newest first within each."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    rows = (
        selectors.notifications_for(user=request.user).annotate(unread=unread).order_by("-unread", "-created_at", "-id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "unread_total": selectors.unread_count(user=request.user)}
    return render(request, "notifications/notification_list.html", context)


@require_POST
@login_required
def notification_read(request, notification_id: int):
    """Mark one of mine read; with ?open=1 go on to the object it is about."""
    notification = get_object_or_404(selectors.notifications_for(user=request.user), pk=notification_id)
    services.notification_read(notification=notification, user=request.user, now=clock.now())
    target = notification.url
    if (
        request.POST.get("open")
        and target
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return redirect(target)
    if request.htmx:
        return render(request, "notifications/_row.html", {"n": notification})
    return redirect("notifications:list")


@require_POST
@login_required
def notifications_read_all(request):
    services.notifications_read_all(user=request.user, now=clock.now())
    return redirect("notifications:list")


@login_required
def bell(request):
    """The header bell alone, polled by htmx every minute."""
    return render(
        request, "notifications/_bell.html", {"unread_notifications": selectors.unread_count(user=request.user)}
    )
