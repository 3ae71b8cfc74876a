"""Operations writes: lounge checklist, car club, staffing table, monthly figures. Each audited."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from huifang.accounts.models import Store
from huifang.archive.models import Customer
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_entry, audit_record, audit_record_many, field_changes
from huifang.messaging.choices import MessageChannel, MessagePurpose, MessageStatus
from huifang.messaging.services import message_queue

from . import defaults, links, rules
from .choices import SignupStatus
from .models import (
    ClubEvent,
    ClubLevel,
    ClubMember,
    EventInvitation,
    EventSignup,
    LoungeChecklist,
    LoungeItem,
    LoungeScore,
    MonthlyFigure,
    OperationsPolicy,
    StaffingCell,
)


def policy_for(*, store: Store) -> OperationsPolicy:
    """The store's operations rules, created with the defaults the first time they are asked for."""
    policy, _created = OperationsPolicy.objects.get_or_create(store=store)
    return policy


# --- lounge checklist -------------------------------------------------------------------------------


def lounge_items_ensure_defaults(*, store: Store) -> int:
    """Give a store without checklist items seed 002's 11; returns how many were added."""
    if LoungeItem.objects.filter(store=store).exists():
        return 0
    created = LoungeItem.objects.bulk_create(
        [
            LoungeItem(store=store, position=n, title=title, description=text)
            for n, (title, text) in enumerate(defaults.LOUNGE_ITEMS, start=1)
        ],
        ignore_conflicts=True,
    )
    return len(created)


def lounge_item_save(
    *,
    store: Store,
    item: LoungeItem | None,
    actor,
    now: datetime,
    position: int,
    title: str,
    description: str = "",
    active: bool = True,
) -> LoungeItem:
    """Add a checklist item or change one; a position already used by another item is refused."""
    if LoungeItem.objects.filter(store=store, position=position).exclude(pk=getattr(item, "pk", None)).exists():
        raise ValidationError({"position": _("Another item already has this number.")})
    after = {"position": position, "title": title, "description": description, "active": active}
    with transaction.atomic():
        if item is None:
            item = LoungeItem.objects.create(store=store, **after)
            audit_record(obj=item, action=AuditAction.CREATE, at=now, actor=actor, changes=after)
        else:
            before = {key: getattr(item, key) for key in after}
            LoungeItem.objects.filter(pk=item.pk).update(**after)
            audit_record(obj=item, action=AuditAction.UPDATE, at=now, actor=actor, changes=field_changes(before, after))
            item.refresh_from_db()
    return item


@dataclass(frozen=True)
class ScoreInput:
    item_id: int
    score: int
    note: str = ""
    photo: object | None = None  # an UploadedFile, kept when None


def lounge_checklist_save(
    *,
    store: Store,
    day: date,
    scores: Iterable[ScoreInput],
    actor,
    now: datetime,
    note: str = "",
    sign: bool = False,
) -> LoungeChecklist:
    """Record (or correct) the day's scores; with `sign` the checker signs and the day counts as done.
    A signed checklist is final."""
    policy = policy_for(store=store)
    scores = list(scores)
    items = {item.pk: item for item in LoungeItem.objects.filter(store=store, active=True)}
    errors = {}
    for entry in scores:
        if entry.item_id not in items:
            errors[f"item_{entry.item_id}"] = _("Unknown checklist item.")
        elif not 0 <= entry.score <= policy.lounge_max_score:
            errors[f"score_{entry.item_id}"] = _("Score must be between 0 and %(max)s.") % {
                "max": policy.lounge_max_score
            }
    if sign and {e.item_id for e in scores} != set(items):
        missing = [items[pk].title for pk in items if pk not in {e.item_id for e in scores}]
        errors["__all__"] = _("Score every item before signing: %(items)s") % {"items": "、".join(missing)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        checklist, created = LoungeChecklist.objects.select_for_update().get_or_create(
            store=store, day=day, defaults={"checker": actor, "created_at": now, "note": note}
        )
        if checklist.signed_at is not None:
            raise ValidationError({"__all__": _("This day's checklist is already signed.")})
        existing = {s.item_id: s for s in checklist.scores.all()}
        new, changed = [], []
        for entry in scores:
            row = existing.get(entry.item_id)
            if row is None:
                row = LoungeScore(checklist=checklist, item_id=entry.item_id, score=entry.score, note=entry.note)
                new.append(row)
            elif (row.score, row.note) != (entry.score, entry.note) or entry.photo is not None:
                row.score, row.note = entry.score, entry.note
                changed.append(row)
            if entry.photo is not None:
                row.photo.save(entry.photo.name, entry.photo, save=False)
        LoungeScore.objects.bulk_create(new)
        LoungeScore.objects.bulk_update(changed, ["score", "note", "photo"])
        update = {"note": note, "checker": actor}
        if sign:
            update |= {"signed_at": now, "signed_by": actor}
        LoungeChecklist.objects.filter(pk=checklist.pk).update(**update)
        audit_record(
            obj=checklist,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            at=now,
            actor=actor,
            changes={
                "day": day.isoformat(),
                "scores": {str(e.item_id): e.score for e in scores},
                "photos": [e.item_id for e in scores if e.photo is not None],
                "signed": sign,
            },
        )
    checklist.refresh_from_db()
    return checklist


# --- car club -----------------------------------------------------------------------------------------


def club_levels_ensure_defaults(*, store: Store) -> int:
    """Give a store without levels the default three (defaults.CLUB_LEVELS)."""
    if ClubLevel.objects.filter(store=store).exists():
        return 0
    created = ClubLevel.objects.bulk_create(
        [
            ClubLevel(store=store, name=name, rank=rank, benefits=benefits)
            for name, rank, benefits in defaults.CLUB_LEVELS
        ],
        ignore_conflicts=True,
    )
    return len(created)


def club_level_save(
    *, store: Store, level: ClubLevel | None, actor, now: datetime, name: str, rank: int, benefits: str
) -> ClubLevel:
    """Add a club level or change its name, rank and benefits."""
    if ClubLevel.objects.filter(store=store, name=name).exclude(pk=getattr(level, "pk", None)).exists():
        raise ValidationError({"name": _("A level with this name exists.")})
    after = {"name": name, "rank": rank, "benefits": benefits}
    with transaction.atomic():
        if level is None:
            level = ClubLevel.objects.create(store=store, **after)
            audit_record(obj=level, action=AuditAction.CREATE, at=now, actor=actor, changes=after)
        else:
            before = {key: getattr(level, key) for key in after}
            ClubLevel.objects.filter(pk=level.pk).update(**after)
            audit_record(
                obj=level, action=AuditAction.UPDATE, at=now, actor=actor, changes=field_changes(before, after)
            )
            level.refresh_from_db()
    return level


def club_member_save(
    *, store: Store, customer: Customer, level: ClubLevel, actor, now: datetime, active: bool = True
) -> ClubMember:
    """Enrol a customer of the store in the club, or change their level or active flag."""
    if customer.store_id != store.pk or level.store_id != store.pk:
        raise ValidationError({"customer": _("The customer and the level must belong to this store.")})
    with transaction.atomic():
        member = ClubMember.objects.select_for_update().filter(store=store, customer=customer).first()
        if member is None:
            member = ClubMember.objects.create(
                store=store, customer=customer, level=level, joined_on=now.date(), active=active
            )
            audit_record(
                obj=member,
                action=AuditAction.CREATE,
                at=now,
                actor=actor,
                changes={"level": level.name, "active": active},
            )
        else:
            before = {"level": member.level.name, "active": member.active}
            ClubMember.objects.filter(pk=member.pk).update(level=level, active=active)
            audit_record(
                obj=member,
                action=AuditAction.UPDATE,
                at=now,
                actor=actor,
                changes=field_changes(before, {"level": level.name, "active": active}),
            )
            member.refresh_from_db()
    return member


def club_event_create(
    *,
    store: Store,
    actor,
    now: datetime,
    kind: str,
    title: str,
    starts_at: datetime,
    capacity: int,
    place: str = "",
    description: str = "",
) -> ClubEvent:
    """Plan a club event with a capacity."""
    if capacity < 1:
        raise ValidationError({"capacity": _("Capacity must be at least 1.")})
    with transaction.atomic():
        event = ClubEvent.objects.create(
            store=store,
            kind=kind,
            title=title,
            starts_at=starts_at,
            capacity=capacity,
            place=place,
            description=description,
            created_by=actor,
            created_at=now,
        )
        audit_record(
            obj=event,
            action=AuditAction.CREATE,
            at=now,
            actor=actor,
            changes={"title": title, "kind": kind, "starts_at": starts_at.isoformat(), "capacity": capacity},
        )
    return event


@dataclass(frozen=True)
class InviteResult:
    queued: int  # queued or held for quiet hours: will go out
    suppressed: int  # opt-out, no consent, frequency cap, no address
    already: int  # invited before on this channel


def club_event_invite(
    *,
    event: ClubEvent,
    members: QuerySet[ClubMember] | Iterable[ClubMember],
    channel: str,
    actor,
    now: datetime,
    base_url: str,
) -> InviteResult:
    """Invite members through the outbox (marketing purpose: consent, opt-outs, cap and quiet hours apply),
    each with a signed sign-up link; inviting twice on a channel changes nothing."""
    from django.urls import reverse

    store = event.store
    members = [m for m in members if m.store_id == store.pk]
    done = set(EventInvitation.objects.filter(event=event, channel=channel).values_list("member_id", flat=True))
    when = event.starts_at.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M")
    queued = suppressed = already = 0
    invitations = []
    with transaction.atomic():
        for member in members:
            if member.pk in done:
                already += 1
                continue
            token = links.signup_token(event_id=event.pk, member_id=member.pk)
            url = base_url.rstrip("/") + reverse("operations:public_signup", kwargs={"token": token})
            message = message_queue(
                store=store,
                customer=member.customer,
                channel=channel,
                purpose=MessagePurpose.MARKETING,
                now=now,
                idempotency_key=f"club-event-{event.pk}-member-{member.pk}-{channel}",
                body=defaults.INVITATION_SMS,
                subject=event.title if channel == MessageChannel.EMAIL else "",
                context={
                    "event_title": event.title,
                    "event_time": when,
                    "event_place": event.place,
                    "signup_url": url,
                },
                related=event,
            )
            if message.status in (MessageStatus.QUEUED, MessageStatus.HELD_QUIET_HOURS):
                queued += 1
            else:
                suppressed += 1
            invitation = EventInvitation(
                event=event,
                member=member,
                channel=channel,
                outbox_message_id=message.pk,
                outbox_status=message.status,
                invited_at=now,
                invited_by=actor,
            )
            invitations.append(invitation)
        EventInvitation.objects.bulk_create(invitations, ignore_conflicts=True)
        saved = EventInvitation.objects.filter(event=event, channel=channel, invited_at=now, invited_by=actor)
        entries = [
            audit_entry(
                obj=invitation,
                action=AuditAction.CREATE,
                at=now,
                actor=actor,
                changes={"member": invitation.member_id, "channel": channel, "outbox": invitation.outbox_status},
            )
            for invitation in saved
        ]
        audit_record_many(entries)
    return InviteResult(queued=queued, suppressed=suppressed, already=already)


def event_signup_create(*, event: ClubEvent, member: ClubMember, source: str, actor, now: datetime) -> EventSignup:
    """Sign a member up: confirmed while seats remain, waitlisted after; a second sign-up returns the first
    (a cancelled one is reopened)."""
    if member.store_id != event.store_id:
        raise ValidationError({"member": _("This member belongs to another store.")})
    if event.starts_at <= now:
        raise ValidationError({"__all__": _("The event has started; sign-ups are closed.")})
    with transaction.atomic():
        # Lock the event so two sign-ups for the last seat cannot both be confirmed.
        ClubEvent.objects.select_for_update().filter(pk=event.pk).first()
        existing = EventSignup.objects.filter(event=event, member=member).first()
        if existing is not None and existing.status != SignupStatus.CANCELLED:
            return existing
        confirmed = EventSignup.objects.filter(event=event, status=SignupStatus.CONFIRMED).count()
        status = rules.signup_status(confirmed=confirmed, capacity=event.capacity)
        if existing is None:
            signup = EventSignup.objects.create(
                event=event, member=member, status=status, source=source, signed_up_at=now
            )
            action = AuditAction.CREATE
        else:
            EventSignup.objects.filter(pk=existing.pk).update(status=status, source=source, signed_up_at=now)
            signup, action = existing, AuditAction.UPDATE
            signup.refresh_from_db()
        audit_record(
            obj=signup,
            action=action,
            at=now,
            actor=actor,
            source="link" if actor is None else "web",
            changes={"event": event.pk, "member": member.pk, "status": status, "source": source},
        )
    return signup


def event_signup_cancel(*, signup: EventSignup, actor, now: datetime) -> EventSignup:
    """Cancel a sign-up; a freed seat goes to the first on the waitlist."""
    with transaction.atomic():
        ClubEvent.objects.select_for_update().filter(pk=signup.event_id).first()
        was = EventSignup.objects.get(pk=signup.pk).status
        if was == SignupStatus.CANCELLED:
            return signup
        EventSignup.objects.filter(pk=signup.pk).update(status=SignupStatus.CANCELLED)
        audit_record(obj=signup, action=AuditAction.UPDATE, at=now, actor=actor, changes={"status": [was, "cancelled"]})
        if was == SignupStatus.CONFIRMED:
            first = (
                EventSignup.objects.filter(event_id=signup.event_id, status=SignupStatus.WAITLISTED)
                .order_by("signed_up_at", "pk")
                .first()
            )
            if first is not None:
                EventSignup.objects.filter(pk=first.pk).update(status=SignupStatus.CONFIRMED)
                audit_record(
                    obj=first,
                    action=AuditAction.UPDATE,
                    at=now,
                    actor=actor,
                    changes={"status": ["waitlisted", "confirmed"]},
                )
    signup.refresh_from_db()
    return signup


def event_attendance_mark(*, signup: EventSignup, attended: bool, actor, now: datetime) -> EventSignup:
    """Mark whether a confirmed member came."""
    if signup.status != SignupStatus.CONFIRMED:
        raise ValidationError({"attended": _("Only confirmed sign-ups can attend.")})
    with transaction.atomic():
        before = signup.attended
        EventSignup.objects.filter(pk=signup.pk).update(attended=attended, attendance_marked_at=now)
        audit_record(
            obj=signup, action=AuditAction.UPDATE, at=now, actor=actor, changes={"attended": [before, attended]}
        )
    signup.refresh_from_db()
    return signup


# --- staffing ---------------------------------------------------------------------------------------


def staffing_cells_ensure_defaults(*, store: Store) -> int:
    """Give a store without a staffing table seed 002's 客服人力资源规划."""
    if StaffingCell.objects.filter(store=store).exists():
        return 0
    cells = []
    for r, (t_label, t_min, t_max) in enumerate(defaults.THROUGHPUT_BUCKETS):
        for c, (s_label, s_min, s_max) in enumerate(defaults.SALES_BUCKETS):
            directors, specialists, callers = defaults.STAFFING_TABLE[r][c]
            cells.append(
                StaffingCell(
                    store=store,
                    row=r,
                    column=c,
                    throughput_label=t_label,
                    throughput_min=t_min,
                    throughput_max=t_max,
                    sales_label=s_label,
                    sales_min=s_min,
                    sales_max=s_max,
                    directors=directors,
                    specialists=specialists,
                    callers=callers,
                )
            )
    return len(StaffingCell.objects.bulk_create(cells, ignore_conflicts=True))


def staffing_cells_update(*, store: Store, formulas: Mapping[tuple[int, int], str], actor, now: datetime) -> int:
    """Change cells of the staffing table from 'a+b+c' texts; returns how many changed."""
    cells = {(c.row, c.column): c for c in StaffingCell.objects.filter(store=store)}
    errors, changed, entries = {}, [], []
    for key, text in formulas.items():
        cell = cells.get(key)
        if cell is None:
            continue
        try:
            values = rules.parse_formula(text)
        except ValueError:
            errors[f"cell_{key[0]}_{key[1]}"] = _("Write the team as director+specialists+callers, e.g. 1+1+2.")
            continue
        if values != (cell.directors, cell.specialists, cell.callers):
            entries.append(
                audit_entry(
                    obj=cell, action=AuditAction.UPDATE, at=now, actor=actor, changes={"team": [cell.formula, text]}
                )
            )
            cell.directors, cell.specialists, cell.callers = values
            changed.append(cell)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        StaffingCell.objects.bulk_update(changed, ["directors", "specialists", "callers"])
        audit_record_many(entries)
    return len(changed)


def monthly_figure_save(
    *, store: Store, month: date, showroom_sales: int | None, workshop_throughput: int | None, actor, now: datetime
) -> MonthlyFigure:
    """Enter (or clear, with None) a month's showroom sales and workshop throughput."""
    month = month.replace(day=1)
    with transaction.atomic():
        figure, created = MonthlyFigure.objects.select_for_update().get_or_create(
            store=store, month=month, defaults={"updated_at": now, "updated_by": actor}
        )
        before = {"showroom_sales": figure.showroom_sales, "workshop_throughput": figure.workshop_throughput}
        after = {"showroom_sales": showroom_sales, "workshop_throughput": workshop_throughput}
        MonthlyFigure.objects.filter(pk=figure.pk).update(updated_at=now, updated_by=actor, **after)
        audit_record(
            obj=figure,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            at=now,
            actor=actor,
            changes=field_changes(before, after),
        )
    figure.refresh_from_db()
    return figure


def lounge_missing_notify(*, store: Store, now: datetime) -> int:
    """Tell the store's care directors when yesterday's lounge checklist was not signed (once per day);
    returns how many were notified. Stores without checklist items, and closed weekdays, are skipped."""
    from zoneinfo import ZoneInfo

    from django.urls import reverse

    from huifang.accounts.choices import Role
    from huifang.accounts.models import User
    from huifang.notifications.services import notify

    day = now.astimezone(ZoneInfo(store.time_zone)).date() - timedelta(days=1)
    policy = policy_for(store=store)
    if day.weekday() in rules.closed_weekdays(policy.lounge_closed_weekdays):
        return 0
    if not LoungeItem.objects.filter(store=store, active=True).exists():
        return 0
    if LoungeChecklist.objects.filter(store=store, day=day, signed_at__isnull=False).exists():
        return 0
    directors = User.objects.filter(
        memberships__store=store, memberships__role=Role.CARE_DIRECTOR, is_active=True
    ).distinct()
    return notify(
        users=directors,
        store=store,
        now=now,
        title=_("Lounge checklist missing for %(day)s") % {"day": day.isoformat()},
        body=_("Nobody signed the lounge checklist of %(store)s on %(day)s.")
        % {"store": store.name, "day": day.isoformat()},
        url=reverse("operations:lounge_month", args=[store.pk]) + f"?month={day:%Y-%m}",
        key=f"operations-lounge-missing-{store.pk}-{day.isoformat()}",
    )
