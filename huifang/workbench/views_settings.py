"""Care director screens of the workbench: questionnaire (versioned), call scripts, call policy."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from huifang.accounts.selectors import stores_where_role
from huifang.core import clock
from huifang.core.permissions import role_required
from huifang.messaging import services as messaging_services

from . import selectors, services
from .forms import CallPolicyForm, PublishForm, QuestionFormSet, QuietHoursForm, RetrySpacingForm, ScriptStepFormSet
from .models import CallScript

# Who edits the store's questionnaire, scripts and call policy (brief §4: editable per store).
EDITOR_ROLES = selectors.SETTINGS_ROLES


def _store_for(request, store_id: int):
    """One of the user's stores where they edit; any other store looks like one that does not exist."""
    return get_object_or_404(stores_where_role(user=request.user, roles=EDITOR_ROLES), pk=store_id)


def _editor_stores(request):
    return stores_where_role(user=request.user, roles=EDITOR_ROLES).order_by("code")


@role_required(*EDITOR_ROLES)
def settings_index(request):
    """The store chooser: with a single store, straight to its questionnaire."""
    stores = list(_editor_stores(request))
    if len(stores) == 1:
        return redirect("workbench:questionnaire", store_id=stores[0].pk)
    return render(request, "workbench/settings_index.html", {"stores": stores})


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@role_required(*EDITOR_ROLES)
def questionnaire_edit(request, store_id: int):
    """The current questions with their weights; saving publishes a new version with a note."""
    store = _store_for(request, store_id)
    current = services.questionnaire_current(store=store)
    initial = [
        {"code": q.code, "text": q.text, "kind": q.kind, "weight": q.weight, "required": q.required}
        for q in current.questions.all()
    ]
    formset = QuestionFormSet(request.POST or None, initial=initial, prefix="q")
    publish = PublishForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if formset.is_valid() and publish.is_valid():
            questions = [
                {k: f.cleaned_data[k] for k in ("code", "text", "kind", "weight", "required")}
                for f in formset.forms
                if f.cleaned_data and not formset._should_delete_form(f)
            ]
            try:
                new = services.questionnaire_publish(
                    store=store,
                    actor=request.user,
                    now=clock.now(),
                    questions=questions,
                    note=publish.cleaned_data["note"],
                )
            except ValidationError as exc:
                kept = [f for f in formset.forms if f.cleaned_data and not formset._should_delete_form(f)]
                for key, errors in exc.message_dict.items():
                    number = key.removeprefix("question_")
                    if number.isdigit() and 0 < int(number) <= len(kept):
                        kept[int(number) - 1].add_error(None, errors)
                    else:
                        publish.add_error(None, errors)
            else:
                messages.success(request, _("Version %(version)d published.") % {"version": new.version})
                return redirect("workbench:questionnaire", store_id=store.pk)
        status = 422
    context = {
        "store": store,
        "stores": _editor_stores(request),
        "current": current,
        "formset": formset,
        "publish": publish,
        "versions": store.questionnaires.select_related("created_by").order_by("-version"),
        "section": "questionnaire",
    }
    return render(request, "workbench/questionnaire_edit.html", context, status=status)


@role_required(*EDITOR_ROLES)
def script_list(request, store_id: int):
    store = _store_for(request, store_id)
    services.scripts_ensure_defaults(store=store)
    context = {
        "store": store,
        "stores": _editor_stores(request),
        "scripts": CallScript.objects.filter(store=store).order_by("kind", "scenario"),
        "section": "scripts",
    }
    return render(request, "workbench/script_list.html", context)


@role_required(*EDITOR_ROLES)
def script_edit(request, store_id: int, script_id: int):
    """A script's steps (title and what to say); placeholders like {customer} are filled in at the call."""
    store = _store_for(request, store_id)
    script = get_object_or_404(CallScript, store=store, pk=script_id)
    formset = ScriptStepFormSet(request.POST or None, initial=list(script.steps), prefix="s")
    status = 200
    if request.method == "POST":
        if formset.is_valid():
            steps = [
                {"title": f.cleaned_data["title"], "text": f.cleaned_data["text"]}
                for f in formset.forms
                if f.cleaned_data and not formset._should_delete_form(f)
            ]
            try:
                services.script_update(script=script, actor=request.user, now=clock.now(), steps=steps)
            except ValidationError as exc:
                formset._non_form_errors = formset.error_class(exc.messages)
            else:
                messages.success(request, _("Script saved."))
                return redirect("workbench:script_list", store_id=store.pk)
        status = 422
    context = {
        "store": store,
        "stores": _editor_stores(request),
        "script": script,
        "formset": formset,
        "placeholders": ["{" + name + "}" for name in sorted(services.SCRIPT_PLACEHOLDERS)],
        "section": "scripts",
    }
    return render(request, "workbench/script_edit.html", context, status=status)


@role_required(*EDITOR_ROLES)
def policy_edit(request, store_id: int):
    """The store's call policy: which scores open a complaint or a problem record."""
    store = _store_for(request, store_id)
    policy = services.call_policy_for(store=store)
    data = request.POST or None
    form = CallPolicyForm(data, initial={f: getattr(policy, f) for f in services.POLICY_FIELDS})
    # Issue 14 §3: the retry spacing is saved with its own button on the same page.
    retry_data = data if request.POST.get("section") == "retry" else None
    retry = RetrySpacingForm(retry_data, initial={f: getattr(policy, f) for f in services.RETRY_FIELDS})
    chosen = retry if retry_data is not None else form
    status = 200
    if request.method == "POST":
        if chosen.is_valid():
            try:
                services.call_policy_update(store=store, actor=request.user, now=clock.now(), **chosen.cleaned_data)
            except ValidationError as exc:
                _apply_errors(chosen, exc)
            else:
                messages.success(request, _("Call policy saved."))
                return redirect("workbench:policy", store_id=store.pk)
        status = 422
    if retry_data is not None:
        form = CallPolicyForm(initial={f: getattr(policy, f) for f in services.POLICY_FIELDS})
    context = {
        "store": store,
        "stores": _editor_stores(request),
        "form": form,
        "retry": retry,
        "section": "policy",
    }
    return render(request, "workbench/policy_edit.html", context, status=status)


@role_required(*EDITOR_ROLES)
def quiet_hours_edit(request, store_id: int):
    """The store's quiet hours (静默时段): no call is offered and no SMS or e-mail leaves inside them."""
    store = _store_for(request, store_id)
    policy = messaging_services.policy_for(store=store)
    form = QuietHoursForm(request.POST or None, windows=policy.quiet_hours)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                messaging_services.quiet_hours_update(
                    store=store, actor=request.user, now=clock.now(), windows=form.cleaned_data["windows"]
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, _("Quiet hours saved."))
                return redirect("workbench:quiet_hours", store_id=store.pk)
        status = 422
    context = {"store": store, "stores": _editor_stores(request), "form": form, "section": "quiet_hours"}
    return render(request, "workbench/quiet_hours_edit.html", context, status=status)
