"""The store's work-group robot screen (manager, care director): settings, the test button, recent messages."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huifang.core import clock
from huifang.core.form_errors import form_add_validation_errors
from huifang.core.permissions import role_required
from huifang.messaging.choices import MessageStatus

from . import selectors, services
from .forms import RobotSettingsForm

FIELDS = ("enabled", "platform", "post_brief", "brief_time", "post_escalations", "post_major", "post_hot")


def _store_for(request, store_id: int):
    """One of the user's stores where they manage the robot; any other store looks like one that does not exist."""
    return get_object_or_404(selectors.robot_stores_for(user=request.user), pk=store_id)


@role_required(*selectors.SETTINGS_ROLES)
def settings_index(request):
    """The store chooser, a row per store with its robot's state: with a single store, straight to its robot."""
    stores = list(selectors.robot_store_rows(user=request.user))
    if len(stores) == 1:
        return redirect("robots:settings", store_id=stores[0].pk)
    return render(request, "robots/settings_index.html", {"stores": stores})


@role_required(*selectors.SETTINGS_ROLES)
def settings_edit(request, store_id: int):
    store = _store_for(request, store_id)
    robot = services.settings_for(store=store)
    form = RobotSettingsForm(request.POST or None, initial={f: getattr(robot, f) for f in FIELDS})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.settings_update(store=store, actor=request.user, now=clock.now(), **form.cleaned_data)
            except ValidationError as exc:
                form_add_validation_errors(form, exc)
            else:
                messages.success(request, _("Robot settings saved."))
                return redirect("robots:settings", store_id=store.pk)
        status = 422
    context = {
        "store": store,
        "stores": selectors.robot_stores_for(user=request.user),
        "robot": robot,
        "form": form,
        "webhook_shown": services.masked_webhook(robot) if robot.configured else "",
        "recent": selectors.recent_messages(store=store),
    }
    return render(request, "robots/settings.html", context, status=status)


@role_required(*selectors.SETTINGS_ROLES)
@require_POST
def send_test(request, store_id: int):
    """The "send test message" button: posts now and says whether the group got it, or why not."""
    store = _store_for(request, store_id)
    try:
        message = services.robot_test(store=store, actor=request.user, now=clock.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if message.status == MessageStatus.SENT:
            messages.success(request, _("The test message reached the group."))
        elif message.status == MessageStatus.QUEUED:
            messages.warning(
                request,
                _("The group did not take it yet; it is tried again shortly: %(reason)s")
                % {"reason": message.last_error},
            )
        else:
            messages.error(request, _("The test message failed: %(reason)s") % {"reason": message.last_error})
    return redirect("robots:settings", store_id=store.pk)
