"""Follow-up screens: the store's rules (care directors edit them) and the overdue list with the team's backlog."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huifang.accounts.selectors import has_role
from huifang.archive.segments import segment_describe
from huifang.core import clock
from huifang.core.form_errors import form_add_validation_errors
from huifang.core.permissions import require_store_role, role_required
from huifang.core.phones import mask_phone

from . import selectors, services
from .forms import OverdueFilterForm, ReassignForm, RuleForm
from .models import FollowUpRule
from .segments import rule_update_with_segment

PAGE_SIZE = 50


def _store_for(request, store_id: int, roles):
    """One of the user's stores where they hold `roles`; any other store looks like one that does not exist."""
    return get_object_or_404(selectors.followup_stores_for(user=request.user, roles=roles), pk=store_id)


@role_required(*selectors.RULE_VIEWER_ROLES)
def index(request):
    """The store chooser: with a single store, straight to its rules."""
    stores = list(selectors.followup_stores_for(user=request.user, roles=selectors.RULE_VIEWER_ROLES))
    if len(stores) == 1:
        return redirect("followups:rule_list", store_id=stores[0].pk)
    return render(request, "followups/index.html", {"stores": stores})


def _with_segment_text(store, rules) -> list:
    """The rules with a readable `segment_text` (club level names read once, only when a rule uses one)."""
    rules = list(rules)
    names = {}
    if any((r.segment or {}).get("club_level") for r in rules):
        from huifang.operations.selectors import club_levels_for

        names = dict(club_levels_for(store=store).values_list("pk", "name"))
    for r in rules:
        r.segment_text = segment_describe(r.segment or {}, level_names=names)
    return rules


@role_required(*selectors.RULE_VIEWER_ROLES)
def rule_list(request, store_id: int):
    store = _store_for(request, store_id, selectors.RULE_VIEWER_ROLES)
    services.rules_ensure_defaults(store=store)
    context = {
        "store": store,
        "stores": selectors.followup_stores_for(user=request.user, roles=selectors.RULE_VIEWER_ROLES),
        "rules": _with_segment_text(store, selectors.rules_for_store(store=store)),
        "may_edit": has_role(user=request.user, store=store, roles=selectors.RULE_EDITOR_ROLES),
    }
    return render(request, "followups/rule_list.html", context)


def _segment_form(store, data=None, initial=None):
    # The club invitation's segment widgets (operations.forms.SegmentForm), prefixed so names never clash.
    from huifang.operations.forms import SegmentForm
    from huifang.operations.selectors import club_levels_for

    return SegmentForm(data, prefix="segment", levels=club_levels_for(store=store), initial=initial)


@role_required(*selectors.RULE_EDITOR_ROLES)
def rule_edit(request, store_id: int, pk: int):
    store = _store_for(request, store_id, selectors.RULE_VIEWER_ROLES)
    require_store_role(user=request.user, store=store, roles=selectors.RULE_EDITOR_ROLES)
    rule = get_object_or_404(FollowUpRule, store=store, pk=pk)
    initial = {field: getattr(rule, field) for field in services.RULE_EDITABLE_FIELDS}
    form = RuleForm(request.POST or None, initial=initial, kind=rule.kind)
    segment_form = _segment_form(store, request.POST or None, initial=rule.segment or {})
    context = {"store": store, "rule": rule, "form": form, "segment_form": segment_form}
    if request.method == "POST":
        if form.is_valid() and segment_form.is_valid():
            levels = {level.pk for level in segment_form.fields["club_level"].queryset}
            try:
                rule_update_with_segment(
                    rule=rule,
                    segment=segment_form.segment_json(),
                    club_levels=levels,
                    actor=request.user,
                    now=clock.now(),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                form_add_validation_errors(form, exc, segment_form)
            else:
                messages.success(request, _("Rule saved."))
                return redirect("followups:rule_list", store_id=store.pk)
        return render(request, "followups/rule_edit.html", context, status=422)
    return render(request, "followups/rule_edit.html", context)


def _overdue_context(request, store, reassign_form: ReassignForm) -> dict:
    now = clock.now()
    filters = OverdueFilterForm(request.GET or None)
    kind = filters.cleaned_data["kind"] if filters.is_valid() else ""
    page = Paginator(selectors.overdue_for_store(store=store, now=now, kind=kind), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return {
        "store": store,
        "stores": selectors.followup_stores_for(user=request.user, roles=selectors.TEAM_MANAGER_ROLES),
        "filters": filters,
        "kind": kind,
        "page": page,
        "rows": [(task, mask_phone(task.customer.mobile or task.customer.home_phone)) for task in page],
        "behind": selectors.overdue_counts_by_assignee(store=store, now=now, kind=kind),
        "reassign_form": reassign_form,
        "now": now,
    }


def _reassign_form(store, data=None) -> ReassignForm:
    return ReassignForm(
        data,
        holders=selectors.task_holders_for_store(store=store),
        receivers=selectors.task_receivers_for_store(store=store),
    )


@role_required(*selectors.TEAM_MANAGER_ROLES)
def overdue_list(request, store_id: int):
    store = _store_for(request, store_id, selectors.TEAM_MANAGER_ROLES)
    context = _overdue_context(request, store, _reassign_form(store))
    return render(request, "followups/overdue_list.html", context)


@require_POST
@role_required(*selectors.TEAM_MANAGER_ROLES)
def tasks_reassign(request, store_id: int):
    store = _store_for(request, store_id, selectors.TEAM_MANAGER_ROLES)
    form = _reassign_form(store, request.POST)
    if not form.is_valid():
        return render(request, "followups/overdue_list.html", _overdue_context(request, store, form), status=422)
    moved = services.tasks_reassign(
        from_user=form.cleaned_data["from_user"],
        to_user=form.cleaned_data["to_user"],
        store=store,
        actor=request.user,
        now=clock.now(),
    )
    messages.success(
        request,
        _("%(count)d open tasks of %(person)s moved.") % {"count": moved, "person": form.cleaned_data["from_user"]},
    )
    return redirect("followups:overdue_list", store_id=store.pk)
