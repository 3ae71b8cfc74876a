"""The customer's survey page (public, signed link, rate-limited) and the care director's survey settings."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from huifang.core import clock
from huifang.core.form_errors import form_add_validation_errors
from huifang.core.permissions import role_required
from huifang.core.throttle import rate_limited
from huifang.workbench import services as workbench_services
from huifang.workbench.choices import QuestionKind

from . import defaults, rules, selectors, services
from .choices import LinkState
from .forms import SurveyPolicyForm

# What a customer sees for a link that cannot be answered, and the HTTP status that goes with it.
CLOSED_STATUS = {LinkState.ANSWERED: 200, LinkState.EXPIRED: 410, LinkState.INVALID: 400}


def _closed(request, state: str):
    return render(request, "surveys/closed.html", {"state": state}, status=CLOSED_STATUS[state])


def _too_many(request):
    return render(request, "surveys/closed.html", {"state": "throttled"}, status=429)


def _questions(questionnaire, posted: dict, errors: dict) -> list[dict]:
    """The questions with the choices of their scale, what was posted and the error of each, for the form."""
    rows = []
    for q in questionnaire.questions.all():
        if q.kind == QuestionKind.YES_NO:
            choices = [("1", _("Yes")), ("0", _("No"))]
        elif q.kind in (QuestionKind.SCALE_10, QuestionKind.SCALE_5):
            high = 10 if q.kind == QuestionKind.SCALE_10 else 5
            choices = [(str(n), str(n)) for n in range(1, high + 1)]
        else:
            choices = []
        rows.append(
            {
                "q": q,
                "choices": choices,
                "value": posted.get(f"q_{q.code}", ""),
                "text": posted.get(f"t_{q.code}", ""),
                "error": errors.get(f"answer_{q.code}", ""),
            }
        )
    return rows


def _rate_limited(request) -> bool:
    return rate_limited(
        request,
        scope="surveys",
        limit=defaults.RATE_LIMIT_REQUESTS,
        window_seconds=defaults.RATE_LIMIT_WINDOW_SECONDS,
    )


@never_cache
def answer(request, token: str):
    """GET shows the store's current questionnaire; POST stores the answers once and shows the thanks."""
    now = clock.now()
    if _rate_limited(request):
        return _too_many(request)
    link = services.link_from_token(token)
    if link is None:
        return _closed(request, LinkState.INVALID)
    state = rules.link_state(answered_at=link.answered_at, expires_at=link.expires_at, now=now)
    if state != LinkState.OPEN:
        return _closed(request, state)
    questionnaire = workbench_services.questionnaire_current(store=link.store, now=now)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        answers = {
            q.code: {"value": request.POST.get(f"q_{q.code}", ""), "text": request.POST.get(f"t_{q.code}", "")[:1000]}
            for q in questionnaire.questions.all()
        }
        try:
            services.link_answer(link=link, now=now, answers=answers, comment=request.POST.get("comment", ""))
        except services.LinkClosed as exc:
            return _closed(request, exc.state)
        except ValidationError as exc:
            errors = {key: " ".join(msgs) for key, msgs in exc.message_dict.items()}
            status = 422
        else:
            return redirect("surveys:thanks", token=token)
    else:
        services.link_opened(link=link, now=now)
    context = {
        "store": link.store,
        "customer_name": link.customer.name,
        "rows": _questions(questionnaire, request.POST, errors),
        "errors": errors,
        "comment": request.POST.get("comment", ""),
    }
    return render(request, "surveys/answer.html", context, status=status)


@never_cache
def thanks(request, token: str):
    """The thank-you page after answering; any other state of the link goes back to what the link shows."""
    if _rate_limited(request):
        return _too_many(request)
    link = services.link_from_token(token)
    if link is None:
        return _closed(request, LinkState.INVALID)
    if link.answered_at is None:
        return redirect("surveys:answer", token=token)
    return render(request, "surveys/thanks.html", {"store": link.store})


@role_required(*selectors.SETTINGS_ROLES)
def settings_index(request):
    """The store chooser: with a single store, straight to its survey settings."""
    stores = list(selectors.policy_stores_for(user=request.user))
    if len(stores) == 1:
        return redirect("surveys:settings", store_id=stores[0].pk)
    return render(request, "surveys/settings_index.html", {"stores": stores})


@role_required(*selectors.SETTINGS_ROLES)
def policy_edit(request, store_id: int):
    """The store's survey chain and hot-alert thresholds; another store's id is a 404."""
    store = get_object_or_404(selectors.policy_stores_for(user=request.user), pk=store_id)
    policy = services.policy_for(store=store)
    form = SurveyPolicyForm(request.POST or None, instance=policy)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            values = {f: form.cleaned_data[f] for f in services.POLICY_FIELDS}
            try:
                services.policy_update(store=store, actor=request.user, now=clock.now(), **values)
            except ValidationError as exc:
                form_add_validation_errors(form, exc)
            else:
                messages.success(request, _("Survey settings saved."))
                return redirect("surveys:settings", store_id=store.pk)
        status = 422
    context = {"store": store, "stores": selectors.policy_stores_for(user=request.user), "form": form}
    return render(request, "surveys/policy_edit.html", context, status=status)
