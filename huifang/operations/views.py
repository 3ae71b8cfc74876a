"""Screens of the operations app: lounge checklist, car club, staffing, customer statistics table.

Every view fetches the store among the user's stores for the page's roles (another store's id → 404) and
every object through that store."""

from datetime import date
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huifang.accounts.selectors import has_role
from huifang.core import clock
from huifang.core.form_errors import form_add_validation_errors
from huifang.core.permissions import require_store_role, role_required
from huifang.core.throttle import rate_limited

from . import defaults, figures, links, selectors, services
from .choices import DayState, FigureSource, SignupSource, SignupStatus
from .exports import customer_statistics_xlsx
from .forms import (
    ClubEventForm,
    ClubLevelForm,
    ClubMemberForm,
    FrontDeskSignupForm,
    InviteForm,
    LoungeChecklistForm,
    LoungeItemForm,
    MemberLevelForm,
    MonthForm,
    MonthlyFigureForm,
    StaffingTableForm,
)
from .models import ClubEvent, ClubMember, EventSignup

READ = selectors.READ_ROLES
WORK = selectors.WORK_ROLES
EDIT = selectors.EDIT_ROLES


def _store(request, store_id: int, roles):
    store = get_object_or_404(selectors.operations_stores_for(user=request.user, roles=READ), pk=store_id)
    require_store_role(user=request.user, store=store, roles=roles)
    return store


def _base(request, store, **extra) -> dict:
    return {
        "store": store,
        "stores": selectors.operations_stores_for(user=request.user),
        "may_work": has_role(user=request.user, store=store, roles=WORK),
        "may_edit": has_role(user=request.user, store=store, roles=EDIT),
        **extra,
    }


def _store_today(store) -> date:
    return clock.now().astimezone(ZoneInfo(store.time_zone)).date()


@role_required(*READ)
def index(request):
    """The store chooser; with a single store, straight to its checklist."""
    stores = list(selectors.operations_stores_for(user=request.user))
    if len(stores) == 1:
        return redirect("operations:lounge_today", store_id=stores[0].pk)
    return render(request, "operations/index.html", {"stores": stores})


# --- lounge checklist -------------------------------------------------------------------------------


@role_required(*READ)
def lounge_today(request, store_id: int):
    """Today's checklist: score each item, add a note or photo, save, sign."""
    store = _store(request, store_id, READ)
    services.lounge_items_ensure_defaults(store=store)
    policy = services.policy_for(store=store)
    today = _store_today(store)
    checklist = selectors.lounge_checklist_for(store=store, day=today)
    items = list(selectors.lounge_items_for(store=store))
    scores = {s.item_id: s for s in checklist.scores.all()} if checklist else {}
    initial = {"note": checklist.note if checklist else ""}
    for item_id, score in scores.items():
        initial[f"score_{item_id}"] = score.score
        initial[f"note_{item_id}"] = score.note
    form = LoungeChecklistForm(
        request.POST or None, request.FILES or None, items=items, max_score=policy.lounge_max_score, initial=initial
    )
    status = 200
    if request.method == "POST":
        require_store_role(user=request.user, store=store, roles=WORK)
        if form.is_valid():
            entries = [
                services.ScoreInput(
                    item_id=item.pk,
                    score=form.cleaned_data[f"score_{item.pk}"],
                    note=form.cleaned_data[f"note_{item.pk}"],
                    photo=form.cleaned_data[f"photo_{item.pk}"],
                )
                for item in items
                if form.cleaned_data[f"score_{item.pk}"] is not None
            ]
            try:
                services.lounge_checklist_save(
                    store=store,
                    day=today,
                    scores=entries,
                    note=form.cleaned_data["note"],
                    sign="sign" in request.POST,
                    actor=request.user,
                    now=clock.now(),
                )
            except ValidationError as exc:
                form_add_validation_errors(form, exc)
            else:
                messages.success(request, _("Checklist signed.") if "sign" in request.POST else _("Checklist saved."))
                return redirect("operations:lounge_today", store_id=store.pk)
        status = 422
    context = _base(
        request,
        store,
        form=form,
        rows=[(*row, scores.get(row[0].pk)) for row in form.rows()],
        checklist=checklist,
        today=today,
        policy=policy,
    )
    return render(request, "operations/lounge_today.html", context, status=status)


@role_required(*READ)
def lounge_month(request, store_id: int):
    """A month of checklists: missing days flagged, compliance per item as a chart and a table."""
    store = _store(request, store_id, READ)
    policy = services.policy_for(store=store)
    today = _store_today(store)
    form = MonthForm(request.GET or None)
    month = (form.cleaned_data["month"] if form.is_valid() and form.cleaned_data["month"] else today).replace(day=1)
    end = month + relativedelta(months=1, days=-1)
    period = selectors.lounge_period(store=store, policy=policy, start=month, end=end, today=today)
    chart = {
        "labels": [row["item"].title for row in period["items"]],
        "values": [row["percent"] if row["percent"] is not None else 0 for row in period["items"]],
        "name": _("Compliant days (%)"),
    }
    context = _base(
        request,
        store,
        month=month,
        previous=(month - relativedelta(months=1)).strftime("%Y-%m"),
        following=(month + relativedelta(months=1)).strftime("%Y-%m"),
        period=period,
        chart=chart,
        policy=policy,
        states=DayState,
    )
    return render(request, "operations/lounge_month.html", context)


@role_required(*READ)
def lounge_checklist(request, store_id: int, checklist_id: int):
    """One day's checklist as it was signed."""
    store = _store(request, store_id, READ)
    checklist = get_object_or_404(
        selectors.lounge_checklists_for(store=store).select_related("checker", "signed_by"), pk=checklist_id
    )
    scores = selectors.lounge_scores_for(store=store).filter(checklist=checklist).order_by("item__position")
    return render(
        request, "operations/lounge_checklist.html", _base(request, store, checklist=checklist, scores=scores)
    )


@role_required(*READ)
def lounge_photo(request, store_id: int, photo_id: int):
    """A checklist photo, only for the store's readers."""
    store = _store(request, store_id, READ)
    score = get_object_or_404(selectors.lounge_scores_for(store=store).exclude(photo=""), pk=photo_id)
    try:
        handle = score.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, filename=score.photo.name.rsplit("/", 1)[-1])


@role_required(*EDIT)
def lounge_items(request, store_id: int):
    """The store's checklist items (directors add and edit them)."""
    store = _store(request, store_id, EDIT)
    services.lounge_items_ensure_defaults(store=store)
    form = LoungeItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lounge_item_save(store=store, item=None, actor=request.user, now=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        else:
            messages.success(request, _("Item added."))
            return redirect("operations:lounge_items", store_id=store.pk)
    items = selectors.lounge_items_for(store=store, active_only=False)
    status = 422 if form.errors else 200
    return render(request, "operations/lounge_items.html", _base(request, store, items=items, form=form), status=status)


@role_required(*EDIT)
def lounge_item_edit(request, store_id: int, item_id: int):
    store = _store(request, store_id, EDIT)
    item = get_object_or_404(selectors.lounge_items_for(store=store, active_only=False), pk=item_id)
    initial = {"position": item.position, "title": item.title, "description": item.description, "active": item.active}
    form = LoungeItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.lounge_item_save(store=store, item=item, actor=request.user, now=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        else:
            messages.success(request, _("Item saved."))
            return redirect("operations:lounge_items", store_id=store.pk)
    status = 422 if form.errors else 200
    return render(
        request,
        "operations/form_page.html",
        _base(request, store, form=form, title=item.title, back=reverse("operations:lounge_items", args=[store.pk])),
        status=status,
    )


# --- car club -----------------------------------------------------------------------------------------


@role_required(*READ)
def club(request, store_id: int):
    """Levels with their benefits and members per level."""
    store = _store(request, store_id, READ)
    services.club_levels_ensure_defaults(store=store)
    levels = list(selectors.club_levels_for(store=store))
    members = list(selectors.club_members_for(store=store))
    by_level = [(level, [m for m in members if m.level_id == level.pk]) for level in levels]
    form = ClubMemberForm(
        initial={"customer_id": request.GET.get("customer") or None},
        levels=selectors.club_levels_for(store=store),
    )
    return render(request, "operations/club.html", _base(request, store, by_level=by_level, member_form=form))


@require_POST
@role_required(*WORK)
def club_member_add(request, store_id: int):
    store = _store(request, store_id, WORK)
    form = ClubMemberForm(request.POST, levels=selectors.club_levels_for(store=store))
    if form.is_valid():
        from huifang.archive.selectors import customers_visible_to

        customer = (
            customers_visible_to(user=request.user).filter(store=store, pk=form.cleaned_data["customer_id"]).first()
        )
        if customer is None:
            form.add_error("customer_id", _("No customer with this number in this store."))
        else:
            services.club_member_save(
                store=store,
                customer=customer,
                level=form.cleaned_data["level"],
                active=form.cleaned_data["active"],
                actor=request.user,
                now=clock.now(),
            )
            messages.success(request, _("%(name)s is a club member.") % {"name": customer.name})
            return redirect("operations:club", store_id=store.pk)
    levels = list(selectors.club_levels_for(store=store))
    members = list(selectors.club_members_for(store=store))
    by_level = [(level, [m for m in members if m.level_id == level.pk]) for level in levels]
    return render(
        request, "operations/club.html", _base(request, store, by_level=by_level, member_form=form), status=422
    )


@role_required(*WORK)
def club_member_edit(request, store_id: int, member_id: int):
    store = _store(request, store_id, WORK)
    member = get_object_or_404(selectors.club_members_for(store=store), pk=member_id)
    form = MemberLevelForm(
        request.POST or None,
        levels=selectors.club_levels_for(store=store),
        initial={"level": member.level_id, "active": member.active},
    )
    if request.method == "POST" and form.is_valid():
        services.club_member_save(
            store=store, customer=member.customer, actor=request.user, now=clock.now(), **form.cleaned_data
        )
        messages.success(request, _("Membership saved."))
        return redirect("operations:club", store_id=store.pk)
    status = 422 if form.errors else 200
    return render(
        request,
        "operations/form_page.html",
        _base(request, store, form=form, title=member.customer.name, back=reverse("operations:club", args=[store.pk])),
        status=status,
    )


@role_required(*EDIT)
def club_level_edit(request, store_id: int, level_id: int | None = None):
    store = _store(request, store_id, EDIT)
    level = get_object_or_404(selectors.club_levels_for(store=store), pk=level_id) if level_id else None
    initial = {"name": level.name, "rank": level.rank, "benefits": level.benefits} if level else {}
    form = ClubLevelForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.club_level_save(store=store, level=level, actor=request.user, now=clock.now(), **form.cleaned_data)
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        else:
            messages.success(request, _("Level saved."))
            return redirect("operations:club", store_id=store.pk)
    status = 422 if form.errors else 200
    title = level.name if level else _("New club level")
    return render(
        request,
        "operations/form_page.html",
        _base(request, store, form=form, title=title, back=reverse("operations:club", args=[store.pk])),
        status=status,
    )


@role_required(*READ)
def event_list(request, store_id: int):
    store = _store(request, store_id, READ)
    form = ClubEventForm(request.POST or None)
    if request.method == "POST":
        require_store_role(user=request.user, store=store, roles=WORK)
        if form.is_valid():
            try:
                event = services.club_event_create(
                    store=store, actor=request.user, now=clock.now(), **form.cleaned_data
                )
            except ValidationError as exc:
                form_add_validation_errors(form, exc)
            else:
                messages.success(request, _("Event created."))
                return redirect("operations:event_detail", store_id=store.pk, event_id=event.pk)
    events = selectors.club_events_for(store=store)
    status = 422 if form.errors else 200
    return render(request, "operations/event_list.html", _base(request, store, events=events, form=form), status=status)


def _event_context(request, store, event, **forms) -> dict:
    signups = list(selectors.event_signups_for(event=event))
    levels = selectors.club_levels_for(store=store)
    return _base(
        request,
        store,
        event=event,
        confirmed=[s for s in signups if s.status == SignupStatus.CONFIRMED],
        waitlisted=[s for s in signups if s.status == SignupStatus.WAITLISTED],
        cancelled=[s for s in signups if s.status == SignupStatus.CANCELLED],
        invitations=event.invitations.select_related("member__customer").order_by("invited_at", "pk"),
        invite_form=forms.get("invite_form") or InviteForm(levels=levels, initial={"channel": "sms"}),
        signup_form=forms.get("signup_form")
        or FrontDeskSignupForm(members=selectors.club_members_for(store=store).filter(active=True)),
    )


@role_required(*READ)
def event_detail(request, store_id: int, event_id: int):
    store = _store(request, store_id, READ)
    event = get_object_or_404(selectors.club_events_for(store=store), pk=event_id)
    return render(request, "operations/event_detail.html", _event_context(request, store, event))


@require_POST
@role_required(*WORK)
def event_invite(request, store_id: int, event_id: int):
    """Invite the members in a segment through the outbox."""
    store = _store(request, store_id, WORK)
    event = get_object_or_404(selectors.club_events_for(store=store), pk=event_id)
    form = InviteForm(request.POST, levels=selectors.club_levels_for(store=store))
    if not form.is_valid():
        return render(
            request, "operations/event_detail.html", _event_context(request, store, event, invite_form=form), status=422
        )
    members = selectors.members_in_segment(store=store, **form.segment())
    result = services.club_event_invite(
        event=event,
        members=members,
        channel=form.cleaned_data["channel"],
        actor=request.user,
        now=clock.now(),
        base_url=getattr(settings, "SITE_URL", "") or request.build_absolute_uri("/"),
    )
    messages.success(
        request,
        _(
            "%(queued)s invitations queued, %(suppressed)s not sent (opt-out, no consent or no address), %(already)s invited before."
        )
        % {"queued": result.queued, "suppressed": result.suppressed, "already": result.already},
    )
    return redirect("operations:event_detail", store_id=store.pk, event_id=event.pk)


@require_POST
@role_required(*WORK)
def event_signup(request, store_id: int, event_id: int):
    """Sign a member up at the front desk (or from the customer page, with source=customer_page)."""
    store = _store(request, store_id, WORK)
    event = get_object_or_404(selectors.club_events_for(store=store), pk=event_id)
    form = FrontDeskSignupForm(request.POST, members=selectors.club_members_for(store=store).filter(active=True))
    if form.is_valid():
        source = (
            SignupSource.CUSTOMER_PAGE if request.POST.get("source") == "customer_page" else SignupSource.FRONT_DESK
        )
        try:
            signup = services.event_signup_create(
                event=event, member=form.cleaned_data["member"], source=source, actor=request.user, now=clock.now()
            )
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        else:
            text = (
                _("Signed up.") if signup.status == SignupStatus.CONFIRMED else _("The event is full: on the waitlist.")
            )
            messages.success(request, text)
            return redirect("operations:event_detail", store_id=store.pk, event_id=event.pk)
    return render(
        request, "operations/event_detail.html", _event_context(request, store, event, signup_form=form), status=422
    )


def _signup(store, event_id: int, member_id: int) -> EventSignup:
    return get_object_or_404(
        EventSignup.objects.filter(event__store=store, event_id=event_id).select_related("event"), member_id=member_id
    )


@require_POST
@role_required(*WORK)
def event_attendance(request, store_id: int, event_id: int, member_id: int):
    store = _store(request, store_id, WORK)
    signup = _signup(store, event_id, member_id)
    try:
        services.event_attendance_mark(
            signup=signup, attended=request.POST.get("attended") == "1", actor=request.user, now=clock.now()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("operations:event_detail", store_id=store.pk, event_id=event_id)


@require_POST
@role_required(*WORK)
def event_signup_cancel(request, store_id: int, event_id: int, member_id: int):
    store = _store(request, store_id, WORK)
    signup = _signup(store, event_id, member_id)
    services.event_signup_cancel(signup=signup, actor=request.user, now=clock.now())
    messages.success(request, _("Sign-up cancelled."))
    return redirect("operations:event_detail", store_id=store.pk, event_id=event_id)


@role_required(*READ)
def customer_club(request, store_id: int, customer_id: int):
    """A customer's club card, opened from the customer page: membership, enrolment and sign-ups."""
    from huifang.archive.selectors import customers_visible_to

    store = _store(request, store_id, READ)
    customer = get_object_or_404(customers_visible_to(user=request.user).filter(store=store), pk=customer_id)
    card = selectors.club_card_for_customer(store=store, customer=customer, now=clock.now())
    form = ClubMemberForm(initial={"customer_id": customer.pk}, levels=selectors.club_levels_for(store=store))
    context = _base(request, store, customer=customer, member_form=form, statuses=SignupStatus, **card)
    return render(request, "operations/customer_club.html", context)


# --- public sign-up through a signed link --------------------------------------------------------------


def _rate_limited(request) -> bool:
    return rate_limited(
        request,
        scope="operations:signup",
        limit=defaults.SIGNUP_RATE_LIMIT,
        window_seconds=defaults.SIGNUP_RATE_WINDOW_SECONDS,
    )


def public_signup(request, token: str):
    """The page a member opens from the invitation: no login, one sign-up per member, mobile first."""
    if _rate_limited(request):
        return render(request, "operations/public_signup.html", {"state": "limited"}, status=429)
    try:
        target = links.signup_token_read(token=token, max_age_days=365)
    except links.LinkError:
        return render(request, "operations/public_signup.html", {"state": "invalid"}, status=400)
    member = ClubMember.objects.select_related("customer", "store").filter(pk=target.member_id, active=True).first()
    event = ClubEvent.objects.filter(pk=target.event_id).first()
    if member is None or event is None or member.store_id != event.store_id:
        return render(request, "operations/public_signup.html", {"state": "invalid"}, status=400)
    policy = services.policy_for(store=event.store)
    try:
        links.signup_token_read(token=token, max_age_days=policy.invite_link_days)
    except links.LinkError:
        return render(request, "operations/public_signup.html", {"state": "expired", "event": event}, status=410)
    now = clock.now()
    context = {"event": event, "member": member, "store": event.store}
    if event.starts_at <= now:
        return render(request, "operations/public_signup.html", {**context, "state": "expired"}, status=410)
    signup = EventSignup.objects.filter(event=event, member=member).exclude(status=SignupStatus.CANCELLED).first()
    if request.method == "POST" and signup is None:
        signup = services.event_signup_create(event=event, member=member, source=SignupSource.LINK, actor=None, now=now)
        return redirect("operations:public_signup", token=token)
    seats_left = max(0, event.capacity - event.signups.filter(status=SignupStatus.CONFIRMED).count())
    state = signup.status if signup else ("open" if seats_left else "full")
    return render(request, "operations/public_signup.html", {**context, "state": state, "seats_left": seats_left})


# --- staffing -------------------------------------------------------------------------------------------


def _month_param(request, today: date) -> date:
    form = MonthForm(request.GET or None)
    chosen = form.cleaned_data["month"] if form.is_valid() and form.cleaned_data["month"] else None
    # Default: last month, the latest complete one.
    return (chosen or (today.replace(day=1) - relativedelta(months=1))).replace(day=1)


@role_required(*READ)
def staffing(request, store_id: int):
    """客服人力资源规划: the seed table (editable by the director) and the suggestion beside the actual team."""
    store = _store(request, store_id, READ)
    month = _month_param(request, _store_today(store))
    context = figures.staffing_suggestion(store=store, month=month)
    figure_form = MonthlyFigureForm(
        initial={
            "month": month.strftime("%Y-%m"),
            "showroom_sales": context["figure"]["sales"]
            if context["figure"]["sales_source"] == FigureSource.ENTERED
            else None,
            "workshop_throughput": context["figure"]["throughput"]
            if context["figure"]["throughput_source"] == FigureSource.ENTERED
            else None,
        }
    )
    table_form = StaffingTableForm(cells=context["cells"])
    context |= {"figure_form": figure_form, "table_form": table_form, "sources": FigureSource}
    return render(request, "operations/staffing.html", _base(request, store, **context))


@require_POST
@role_required(*EDIT)
def staffing_table_edit(request, store_id: int):
    store = _store(request, store_id, EDIT)
    services.staffing_cells_ensure_defaults(store=store)
    form = StaffingTableForm(request.POST, cells=selectors.staffing_cells_for(store=store))
    if form.is_valid():
        try:
            changed = services.staffing_cells_update(
                store=store, formulas=form.formulas(), actor=request.user, now=clock.now()
            )
        except ValidationError as exc:
            form_add_validation_errors(form, exc)
        else:
            messages.success(request, _("%(n)s cells changed.") % {"n": changed})
            return redirect("operations:staffing", store_id=store.pk)
    month = _month_param(request, _store_today(store))
    context = figures.staffing_suggestion(store=store, month=month) | {
        "table_form": form,
        "figure_form": MonthlyFigureForm(initial={"month": month.strftime("%Y-%m")}),
        "sources": FigureSource,
    }
    return render(request, "operations/staffing.html", _base(request, store, **context), status=422)


@require_POST
@role_required(*EDIT)
def monthly_figure_edit(request, store_id: int):
    store = _store(request, store_id, EDIT)
    form = MonthlyFigureForm(request.POST)
    if form.is_valid():
        figure = services.monthly_figure_save(store=store, actor=request.user, now=clock.now(), **form.cleaned_data)
        messages.success(request, _("Figures saved."))
        return redirect(reverse("operations:staffing", args=[store.pk]) + f"?month={figure.month:%Y-%m}")
    month = _month_param(request, _store_today(store))
    context = figures.staffing_suggestion(store=store, month=month)
    context |= {"figure_form": form, "table_form": StaffingTableForm(cells=context["cells"]), "sources": FigureSource}
    return render(request, "operations/staffing.html", _base(request, store, **context), status=422)


# --- customer statistics table --------------------------------------------------------------------------


def _year(request, today: date) -> int:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else today.year


@role_required(*READ)
def customer_statistics(request, store_id: int):
    """顾客统计表: showroom sales, first visits and lost customers per month and model."""
    store = _store(request, store_id, READ)
    today = _store_today(store)
    year = _year(request, today)
    table = figures.statistics_table(store=store, year=year, today=today)
    context = _base(
        request, store, table=table, year=year, years=list(range(today.year, today.year - 6, -1)), sources=FigureSource
    )
    return render(request, "operations/customer_statistics.html", context)


@role_required(*READ)
def customer_statistics_export(request, store_id: int):
    store = _store(request, store_id, READ)
    today = _store_today(store)
    year = _year(request, today)
    table = figures.statistics_table(store=store, year=year, today=today)
    content = customer_statistics_xlsx(store=store, table=table)
    from huifang.audit.choices import AuditAction
    from huifang.audit.services import audit_record

    audit_record(
        obj=store,
        action=AuditAction.EXPORT,
        at=clock.now(),
        actor=request.user,
        changes={"report": "customer_statistics", "year": year},
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="customer-statistics-{store.code}-{year}.xlsx"'
    return response
