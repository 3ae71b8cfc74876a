"""Call workbench screens: the queue, the call screen (before the call, script, questionnaire, outcome),
the saved call with its recording, and the advisors' problem records."""

import functools

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from huifang.accounts.choices import ROLES_THAT_CALL
from huifang.accounts.models import User
from huifang.accounts.selectors import has_role, roles_in_store_of
from huifang.appointments.services import TASK_KINDS_ENDED_BY_BOOKING
from huifang.core import clock
from huifang.core import middleware as session_idle
from huifang.core.api_params import MAX_ROW_ID
from huifang.core.choice_labels import display
from huifang.core.permissions import request_memberships, role_required
from huifang.followups import selectors as followup_selectors
from huifang.followups.choices import AttemptOutcome, TaskStatus
from huifang.privacy.access import export_logged
from huifang.surveys.templatetags.surveys import survey_box_html

from . import call_cards, call_rendering, defaults, queue_read, rendering, selectors, services, store_settings
from .choices import CallOutcome, ProblemStatus
from .forms import (
    CORRECTION_FIELDS,
    SCALE_MAX,
    BulkReassignForm,
    CallForm,
    ProblemResolveForm,
    QueueFilterForm,
    RecordingForm,
)

BUCKETS = (
    ("overdue", gettext_lazy("Overdue")),
    ("due_now", gettext_lazy("Due now")),
    # "today" is the rest of today: due later today, not yet callable. The dashboard uses these same labels.
    ("today", gettext_lazy("Due later today")),
    ("later", gettext_lazy("Later")),
)


def complaint_url(complaint) -> str:
    """The complaint's page (the complaints app names it); empty when that screen is not there."""
    if complaint is None:
        return ""
    for name in ("complaints:complaint_detail", "complaints:detail"):
        try:
            return reverse(name, args=[complaint.pk])
        except NoReverseMatch:
            continue
    return ""


def _bucket_labels():
    return [(key, str(label)) for key, label in BUCKETS]


def _saved_call(request):
    """The call just saved (?saved=<id>), for the notice that says what it opened."""
    raw = request.GET.get("saved", "")
    if not (raw.isascii() and raw.isdigit()):
        return None
    found = selectors.saved_call(user=request.user, call_id=int(raw), memberships=request_memberships(request))
    if found is None:
        return None
    call, problems = found
    return {"call": call, "complaint_url": complaint_url(call.complaint), "problems": problems}


@role_required(*selectors.WORKBENCH_ROLES)
def queue(request):
    """My queue (or the team's for managers): overdue, due now, due today, later, with counts."""
    now = clock.now()
    memberships = request_memberships(request)
    # The stores, their settings tokens (for their quiet hours) and their advisors (for the filter) in one
    # statement.
    stores, tokens, advisors = selectors.workbench_stores_tokens_advisors(user=request.user, memberships=memberships)
    team_stores = [s for s in stores if s.leads_team]
    may_team = bool(team_stores)
    filters = QueueFilterForm(
        request.GET or None,
        stores=stores,
        advisors=advisors,
        assignees=queue_read.people(followup_selectors.task_holders_for_store(store=team_stores[0]))
        if len(team_stores) == 1
        else [],
    )
    data = filters.cleaned_data if filters.is_valid() else {}
    store = next((s for s in stores if s.pk == data.get("store")), None)
    team = bool(data.get("team")) and may_team
    page = request.GET.get("page", "1")
    # The stores' quiet hours and calendars, read once for the rows and the "nothing to call" notice.
    quiet_rules = store_settings.quiet_rules_kept(stores=stores, tokens=tokens)
    # The screen reads plain rows (queue_read: hand-written SQL, no model instances); the API keeps queue_for.
    which = queue_read.QueueFilter(
        user_id=request.user.pk,
        stores=[s for s in (team_stores if team else stores) if store is None or s.pk == store.pk],
        team=team,
        assignee_id=data.get("assignee") if team else None,
        kind=data.get("kind") or "",
        advisor_id=data.get("advisor"),
    )
    result = queue_read.queue_page(
        which=which,
        now=now,
        quiet_rules=quiet_rules,
        page=int(page) if page.isdigit() else 1,
        page_size=selectors.QUEUE_PAGE_SIZE,
    )
    counts = result["counts"]
    query = request.GET.copy()
    query.pop("page", None)
    labels = rendering.queue_labels()
    # (key, label, the rows' HTML, count, rows on this page) per bucket.
    buckets = [
        (
            key,
            label,
            rendering.queue_rows_html(result[key], overdue=key == "overdue", team=team, labels=labels),
            counts[key],
            len(result[key]),
        )
        for key, label in _bucket_labels()
    ]
    context = {
        "filters": filters,
        "filter_fields": rendering.queue_filter_fields(filters, team=team),
        "buckets": buckets,
        # The count boxes and the table's sections are made in Python (the template read ~20 variables each).
        "count_boxes": rendering.queue_count_boxes(buckets),
        "tbodies": rendering.queue_tbodies(buckets, team=team, page=result["page"]),
        "counts": counts,
        "truncated": result["truncated"],
        "page": result["page"],
        "pages": result["pages"],
        "pager": rendering.queue_pager(page=result["page"], pages=result["pages"], query=query.urlencode()),
        "callable": None
        if team
        else _callable_state(
            request.user,
            now,
            stores=stores,
            quiet_rules=quiet_rules,
            memberships=memberships,
            # The counts read each store's earliest callable time when they count all of the user's tasks.
            earliest=result["earliest"] if which.all_mine(stores) else None,
        ),
        "team": team,
        "may_team": may_team,
        "now": now,
        "saved": _saved_call(request),
    }
    if team:
        behind_store = store or (team_stores[0] if len(team_stores) == 1 else None)
        if behind_store is not None:
            context["behind"] = selectors.team_behind(store=behind_store, now=now)
            context["behind_rows"] = rendering.queue_behind_rows(context["behind"])
            context["behind_store"] = behind_store
            # The colleagues as plain (pk, name) rows: no User instance per option.
            context["receivers"] = queue_read.people(followup_selectors.task_receivers_for_store(store=behind_store))
            context["receiver_options"] = rendering.queue_receiver_options(context["receivers"])
    template = "workbench/_queue_table.html" if request.htmx else "workbench/queue.html"
    return render(request, template, context)


def _callable_state(user, now, *, stores, quiet_rules, memberships, earliest=None) -> dict:
    """Quiet hours now and when the first task becomes callable, for the queue's notice and `n`."""
    state = selectors.next_callable(user=user, now=now, stores=stores, quiet_rules=quiet_rules, earliest=earliest)
    state["windows"] = "、".join(dict.fromkeys("–".join(w) for q in state["quiet"] for w in q["windows"]))
    # Where the user may edit the quiet hours, from the request's memberships (as stores_where_role decides).
    state["edit_store"] = next(
        (
            q["store"]
            for q in state["quiet"]
            if roles_in_store_of(user=user, memberships=memberships, store=q["store"]) & selectors.SETTINGS_ROLES
        ),
        None,
    )
    return state


def _nothing_to_call(user, now, *, stores, quiet_rules) -> str:
    """Why `n` opened nothing, and when the first task can be called."""
    state = selectors.next_callable(user=user, now=now, stores=stores, quiet_rules=quiet_rules)
    parts = []
    if state["quiet"]:
        windows = "、".join(dict.fromkeys("–".join(w) for q in state["quiet"] for w in q["windows"]))
        parts.append(_("Quiet hours (%(windows)s): customers are not called now.") % {"windows": windows})
    if state["first_at"] is not None:
        at = timezone.localtime(state["first_at"])
        parts.append(_("The first task can be called from %(at)s.") % {"at": date_format(at, "m-d H:i")})
    return " ".join(parts) or _("Nothing to call right now.")


@role_required(*selectors.WORKBENCH_ROLES)
def ping(request):
    """Keep-alive of a signed-in caller: the call screen sends it while the caller types a long comment
    (typing is activity the server otherwise never sees), and it says how long the session stays signed
    in without activity. As light as a signed-in request can be: session, user and roles, no page."""
    last_seen = request.session.get(session_idle.LAST_SEEN_KEY, session_idle.wall_clock())
    left = max(settings.SESSION_IDLE_SECONDS - (session_idle.wall_clock() - last_seen), 0)
    response = JsonResponse({"signed_in": True, "idle_seconds_left": left})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(*selectors.TEAM_ROLES)
def tasks_bulk_reassign(request):
    """Give the ticked tasks of the team queue to one colleague."""
    visible = selectors.tasks_visible_to(user=request.user).filter(status=TaskStatus.OPEN)
    ids = [int(v) for v in request.POST.getlist("tasks") if v.isascii() and v.isdigit() and int(v) <= MAX_ROW_ID]
    tasks = list(visible.filter(pk__in=ids).select_related("store"))
    stores = {t.store for t in tasks}
    if any(not has_role(user=request.user, store=s, roles=selectors.TEAM_ROLES) for s in stores):
        raise PermissionDenied
    receivers = User.objects.none()
    if len(stores) == 1:
        receivers = followup_selectors.task_receivers_for_store(store=next(iter(stores)))
    form = BulkReassignForm(request.POST, task_ids=[t.pk for t in tasks], receivers=receivers)
    back = reverse("workbench:queue") + "?team=on"
    if len(stores) > 1:
        messages.error(request, _("Reassign the tasks of one store at a time."))
        return HttpResponseRedirect(back)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return HttpResponseRedirect(back)
    moved = services.tasks_assign(
        tasks=tasks, to_user=form.cleaned_data["to_user"], actor=request.user, now=clock.now()
    )
    messages.success(
        request, _("%(count)d tasks given to %(person)s.") % {"count": moved, "person": form.cleaned_data["to_user"]}
    )
    return HttpResponseRedirect(back)


@role_required(*selectors.WORKBENCH_ROLES)
def next_task(request):
    """The most urgent task I can call now; the queue when there is none."""
    saved = request.GET.get("saved", "")
    suffix = f"?saved={saved}" if saved.isdigit() else ""
    now = clock.now()
    skip = request.GET.get("skip", "")
    # The stores and their settings tokens in one statement.
    stores, tokens = selectors.workbench_stores_and_tokens(user=request.user, memberships=request_memberships(request))
    # The stores' quiet hours, read once for the hand-out and the "nothing to call" notice.
    quiet_rules = store_settings.quiet_rules_kept(stores=stores, tokens=tokens)
    # "Next" pressed on an unsaved call gives that task back and hands out the one after it.
    task_id = services.next_task_id_hand_out(
        user=request.user,
        now=now,
        skip_id=int(skip) if skip.isascii() and skip.isdigit() and int(skip) <= MAX_ROW_ID else None,
        stores=stores,
        quiet_rules=quiet_rules,
    )
    if task_id is None:
        messages.info(request, _nothing_to_call(request.user, now, stores=stores, quiet_rules=quiet_rules))
        return HttpResponseRedirect(reverse("workbench:queue") + suffix)
    return HttpResponseRedirect(_task_url(task_id) + suffix)


@functools.cache
def _task_url_pattern(prefix: str) -> str:
    return reverse("workbench:task", args=[_URL_PLACEHOLDER])


_URL_PLACEHOLDER = 987654321


@functools.cache
def _next_url(prefix: str) -> str:
    """ "Next"'s address after a saved call, one reverse() per process and script prefix."""
    return reverse("workbench:next")


def _task_url(task_id: int) -> str:
    """The call screen's address, from one reverse() per process (and script prefix)."""
    return _task_url_pattern(get_script_prefix()).replace(str(_URL_PLACEHOLDER), str(int(task_id)))


def _question_row(form: CallForm, question) -> tuple:
    """(question, value field, remark field, the scale's values, the value picked as text) for the template."""
    value = form[f"q_{question.code}"] if f"q_{question.code}" in form.fields else None
    picked = "" if value is None or value.value() in (None, "") else str(value.value())
    scale = [str(v) for v in range(1, SCALE_MAX.get(question.kind, 0) + 1)]
    return question, value, form[f"t_{question.code}"], scale, picked


def _call_context(request, task, form=None, *, roles: set[str], kept=None) -> dict:
    now = clock.now()
    # The call just saved (?saved=<id>, as _saved_call reads it) is read with the screen's other rows.
    raw = request.GET.get("saved", "")
    saved_id = int(raw) if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_ROW_ID else None
    precall = selectors.precall_for(
        task=task,
        user=request.user,
        now=now,
        read=False,
        answers=False,
        kept=kept,
        plain=True,
        saved_call_id=saved_id,
    )
    questionnaire = precall["questionnaire"]
    questions = list(precall["questions"])
    if form is None:
        form = call_rendering.EmptyCallForm(lambda: CallForm(questions=questions, initial={"started_at": now}))
    policy = precall["settings"].call_policy
    # The empty form's widgets, questionnaire block and whole body come from per-process copies
    # (workbench.rendering, workbench.call_rendering).
    widgets = rendering.call_widgets(form)

    def body_context() -> dict:
        return {
            "form": form,
            "w": widgets,
            "questionnaire": questionnaire,
            "questions_html": rendering.call_questions(
                form, questions, lambda: [_question_row(form, q) for q in questions]
            ),
            "outcomes": CallOutcome.choices,
            "policy": policy,
            "correction_fields": [(form[name], widgets[name]) for name in CORRECTION_FIELDS],
        }

    customer = precall["customer"]
    # The user's roles in the task's store, read by the access check (as may_reveal_phone decides).
    may_reveal = bool(roles & ROLES_THAT_CALL)
    labels = _labels(precall)
    phones = {
        field: call_rendering.phone_html(
            getattr(customer, field), field=field, customer_pk=customer.pk, may_reveal=may_reveal
        )
        for field in ("mobile", "home_phone", "office_phone")
    }
    lines_html = call_rendering.lines_html(precall["lines"])
    is_open = task.status == TaskStatus.OPEN
    found = selectors.saved_call_of_rows(
        user=request.user,
        memberships=request_memberships(request),
        call=precall["saved_call"],
        problems=precall["saved_problems"],
    )
    saved = None
    if found is not None:
        call, problems = found
        saved = {"call": call, "complaint_url": complaint_url(call.complaint), "problems": problems}
    # Issue 14 §3: opened while it waits for its next try (or a promised call-back time).
    waiting_until = task.next_call_at if task.next_call_at and task.next_call_at > now else None
    # Keys call.html no longer reads (p, lines_html, may_reveal, saved, waiting_until, …) stay: the page test
    # renders main's template with this context (tests/workbench/test_call_screen_html.py).
    return {
        "task": precall["task"],
        "p": precall,
        "task_url": SafeString(call_rendering.url_of("workbench:task", task.pk)),
        "head_html": call_cards.head_html(
            task=precall["task"],
            precall=precall,
            choice_labels=labels,
            is_open=is_open,
            booking_ends_kinds=TASK_KINDS_ENDED_BY_BOOKING,
            path=request.path,
        ),
        "flags_html": call_rendering.flags_html(precall["flags"]),
        "survey_html": survey_box_html(task=task, may_act=True, has_link=precall["survey_link"]),
        "cards_html": call_cards.cards_html(
            precall,
            choice_labels=labels,
            phones=phones,
            contacts_html=call_rendering.contacts_html(
                precall["contacts"], customer_pk=customer.pk, may_reveal=may_reveal
            ),
            lines_html=lines_html,
        ),
        "lines_html": lines_html,
        "scripts_html": call_rendering.scripts_html(precall["scripts"], precall["scenario"]),
        "history_html": call_rendering.history_html(precall["calls"], precall["complaints"]),
        "form_body": call_rendering.call_form_body(
            form=form,
            context=body_context,
            key=call_rendering.form_body_key(questionnaire=questionnaire, questions=questions, policy=policy),
        ),
        "form": form,
        "started_at_html": form["started_at"] if form.is_bound else call_rendering.started_at_html(now),
        "labels": labels,
        "w": widgets,
        "policy": policy,
        "overall_code": defaults.OVERALL_CODE,
        "return_code": defaults.COME_BACK_CODE,
        "may_reveal": may_reveal,
        "is_open": is_open,
        "waiting_until": waiting_until,
        "saved": saved,
        "saved_html": call_rendering.saved_notice_html(saved),
        "waiting_html": call_cards.waiting_html(waiting_until if is_open else None),
        "booking_ends_kinds": TASK_KINDS_ENDED_BY_BOOKING,
    }


def _labels(precall: dict) -> dict:
    """The choices the screen shows by their labels (core.choice_labels.display)."""
    task, customer, ro = precall["task"], precall["customer"], precall["repair_order"]
    return {
        "kind": display(task, "kind"),
        "status": display(task, "status"),
        "customer_kind": display(customer, "kind"),
        "channel": display(customer, "preferred_channel"),
        "ro_type": display(ro, "ro_type") if ro is not None else "",
    }


@role_required(*selectors.WORKBENCH_ROLES)
def task_call(request, task_id: int):
    """The call screen: before the call, script, questionnaire and outcome; POST saves the call."""
    # The access check reads the task with everything the screen shows and its store's settings token (one
    # query compiled once per process); saving reads only what the save needs (the same rule, fewer columns).
    if request.method != "POST":
        task, roles = selectors.task_for_call(
            user=request.user, task_id=task_id, now=clock.now(), memberships=request_memberships(request)
        )
        return render(request, "workbench/call.html", _call_context(request, task, roles=roles))
    task, roles = selectors.task_for_save(
        user=request.user, task_id=task_id, now=clock.now(), memberships=request_memberships(request)
    )
    kept = store_settings.settings_kept(store=task.store, token=task.settings_token)
    form = CallForm(request.POST, request.FILES, questions=list(kept.questions))
    if form.is_valid():
        data, now = form.cleaned_data, clock.now()
        try:
            call = services.call_record_save(
                task=task,
                actor=request.user,
                now=now,
                outcome=data["outcome"],
                answers=form.answers(),
                comment=data["comment"],
                # The screen's own opening time; never later than now, whatever the clocks say.
                started_at=min(data["started_at"], now) if data["started_at"] else None,
                corrections=form.corrections(),
                relation=data["relation"],
                best_time=data["best_time"],
                callback_at=data["callback_at"],
                recording=data["recording"],
                recording_url=data["recording_url"],
                attempt_outcome=data["not_reached_as"] or AttemptOutcome.NO_ANSWER,
                kept=kept,
            )
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(form.field_for_error(key), errors)
        else:
            if data["next"]:
                return HttpResponseRedirect(_next_url(get_script_prefix()) + f"?saved={call.pk}")
            return redirect("workbench:call_detail", call_id=call.pk)
    # The form again, with the task read with everything the screen shows; the save may have moved the task
    # on (the row was locked and read again): show it as it is now.
    task, roles = selectors.task_for_call(
        user=request.user, task_id=task_id, now=clock.now(), memberships=request_memberships(request)
    )
    return render(
        request, "workbench/call.html", _call_context(request, task, form, roles=roles, kept=kept), status=422
    )


def _may_play(user, call) -> bool:
    return selectors.may_play_recording(user=user, call=call)


@role_required(*selectors.WORKBENCH_ROLES)
def call_detail(request, call_id: int):
    """A saved call: outcome, answers, score, what it opened, and its recording."""
    call = selectors.call_detail(user=request.user, pk=call_id)
    context = {
        "call": call,
        "complaint_url": complaint_url(call.complaint),
        "problems": list(call.problems.all()),
        "answers": list(call.answers.all()),
        "may_play": _may_play(request.user, call),
        "recording_form": RecordingForm(),
        "next_url": reverse("workbench:next"),
    }
    return render(request, "workbench/call_detail.html", context)


@role_required(*selectors.WORKBENCH_ROLES)
def recording(request, call_id: int):
    """GET streams the recording to the caller and the store's managers; POST attaches a file or link."""
    call = selectors.call_detail(user=request.user, pk=call_id)
    if not _may_play(request.user, call):
        raise PermissionDenied
    if request.method == "POST":
        form = RecordingForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.recording_attach(
                    call=call,
                    actor=request.user,
                    now=clock.now(),
                    file=form.cleaned_data["recording"],
                    url=form.cleaned_data["recording_url"],
                )
            except ValidationError as exc:
                for key, errors in exc.message_dict.items():
                    form.add_error(key if key in form.fields else None, errors)
            else:
                messages.success(request, _("Recording attached."))
                return redirect("workbench:call_detail", call_id=call.pk)
        context = {
            "call": call,
            "complaint_url": complaint_url(call.complaint),
            "problems": list(call.problems.all()),
            "answers": list(call.answers.all()),
            "may_play": True,
            "recording_form": form,
            "next_url": reverse("workbench:next"),
        }
        return render(request, "workbench/call_detail.html", context, status=422)
    if not call.recording:
        raise Http404
    export_logged(request, obj=call, what="recording")  # a customer's voice: the access log shows who heard it
    response = FileResponse(call.recording.open("rb"), as_attachment=False)
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(*selectors.WORKBENCH_ROLES)
def problem_list(request):
    """My problem records (advisors mostly; managers see the store's), open first."""
    status = request.GET.get("status", ProblemStatus.OPEN)
    if status not in ProblemStatus.values and status != "all":
        status = ProblemStatus.OPEN
    problems = selectors.problems_for(user=request.user, status="" if status == "all" else status)
    context = {
        "problems": problems,
        "status": status,
        "statuses": [*ProblemStatus.choices, ("all", _("All"))],
        "form": ProblemResolveForm(),
    }
    return render(request, "workbench/problems.html", context)


@require_POST
@role_required(*selectors.WORKBENCH_ROLES)
def problem_resolve(request, problem_id: int):
    problem = get_object_or_404(selectors.problems_for(user=request.user), pk=problem_id)
    form = ProblemResolveForm(request.POST)
    if form.is_valid():
        try:
            services.problem_resolve(
                problem=problem, actor=request.user, now=clock.now(), resolution=form.cleaned_data["resolution"]
            )
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, errors)
        else:
            messages.success(request, _("Problem resolved."))
            return redirect("workbench:problems")
    problems = selectors.problems_for(user=request.user, status=ProblemStatus.OPEN)
    context = {
        "problems": problems,
        "status": ProblemStatus.OPEN,
        "statuses": [*ProblemStatus.choices, ("all", _("All"))],
        "form": ProblemResolveForm(),
        "failed": problem.pk,
        "failed_form": form,
    }
    return render(request, "workbench/problems.html", context, status=422)


SURVEY_ACTIONS = {"create", "renew", "sms", "email"}


@require_POST
@role_required(*selectors.WORKBENCH_ROLES)
def survey_link(request, task_id: int):
    """The task's survey link from the call screen: make it, renew it (new address, the old one stops) or
    send it by SMS / e-mail through the outbox; answers with the box redrawn."""
    from huifang.messaging.choices import MessageChannel
    from huifang.surveys import services as survey_services
    from huifang.surveys.templatetags.surveys import survey_box_context

    task = get_object_or_404(selectors.tasks_visible_to(user=request.user).select_related("store"), pk=task_id)
    action = request.POST.get("action", "")
    if action not in SURVEY_ACTIONS:
        raise Http404
    now = clock.now()
    notice = ""
    status = 200
    try:
        link = survey_services.link_create(task=task, actor=request.user, now=now)
        if action == "create":
            notice = _("Survey link made.")
        elif action == "renew":
            survey_services.link_renew(link=link, actor=request.user, now=now)
            notice = _("New address made; the old one no longer works.")
        elif link.answered_at is None:
            channel = MessageChannel.SMS if action == "sms" else MessageChannel.EMAIL
            message = survey_services.link_send(link=link, channel=channel, now=now)
            notice = _("Queued in the outbox.") if message is not None else _("No address to send it to.")
    except ValidationError as exc:
        notice, status = " ".join(exc.messages), 422
    context = {**survey_box_context(task=task, may_act=True), "survey_notice": notice}
    return render(request, "surveys/_task_links.html", context, status=status)
