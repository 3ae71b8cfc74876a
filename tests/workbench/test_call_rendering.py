"""workbench.call_rendering: the call screen's loops made in Python give the very markup the template's loops
gave (kept here as they were), on odd data: markup in every text, missing values, both languages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from huifang.archive.models import RepairOrderLine
from huifang.complaints import services as complaint_services
from huifang.complaints.models import Complaint
from huifang.followups.models import ContactAttempt
from huifang.workbench import call_rendering, selectors
from huifang.workbench.models import CallRecord

from ..factories import CustomerFactory
from .factories import NOW, call_task

pytestmark = pytest.mark.django_db

# The template's loops before issue 18, word for word.
LINES = Template(
    '{% for line in lines %}<tr><td><span class="muted small">{{ line.get_kind_display }}</span> '
    '{{ line.description }}</td><td class="num">{{ line.quantity|default:"" }}</td><td class="num">'
    "{{ line.amount }}</td></tr>{% endfor %}"
)
SCRIPTS = Template(
    '{% load i18n %}<div class="wb-tabs">{% for s in p.scripts %}<button type="button" data-scenario-tab="'
    '{{ s.scenario }}" class="{% if s.scenario == p.scenario %}on{% endif %}">{{ s.label }}</button>{% endfor %}'
    '</div>\n      {% for s in p.scripts %}\n      <ol class="wb-steps" data-scenario="{{ s.scenario }}"'
    "{% if s.scenario != p.scenario %} hidden{% endif %}>\n        {% for step in s.steps %}<li><b>{{ step.title }}"
    '</b><p>{{ step.text }}</p></li>{% endfor %}\n      </ol>\n      {% empty %}<p class="muted">'
    '{% trans "No script for this kind of task." %}</p>\n      {% endfor %}\n'
)
HISTORY = Template(
    '{% load i18n %}{% for c in p.calls %}<li><span class="nowrap">{{ c.ended_at|date:"Y-m-d" }}</span> '
    '{{ c.get_outcome_display }}{% if c.score is not None %} · {% trans "score" %} {{ c.score }}{% endif %}'
    '{% if c.comment %} <span class="muted">{{ c.comment|truncatechars:60 }}</span>{% endif %}</li>{% endfor %}'
    '\n        {% for c in p.complaints %}<li><span class="badge{% if c.is_major %} bad{% else %} warn{% endif %}">'
    '{% trans "Complaint" %}</span> <span class="mono small">{{ c.number }}</span> <span class="nowrap">'
    '{{ c.received_at|date:"Y-m-d" }}</span> {{ c.get_status_display }} {{ c.content|truncatechars:50 }}</li>'
    "{% endfor %}"
)


@pytest.fixture
def odd_task(store, specialist, manager):
    customer = CustomerFactory(store=store, name="<i>张</i>")
    task = call_task(store, assigned_to=specialist, customer=customer, amount=Decimal("12345.60"))
    RepairOrderLine.objects.create(
        repair_order=task.repair_order, position=3, kind="other", description="<script>x</script> & 'q'",
        quantity=Decimal("0"), amount=Decimal("-1.5"),
    )  # fmt: skip
    RepairOrderLine.objects.create(
        repair_order=task.repair_order, position=4, kind="odd", description="", quantity=Decimal("2.50"),
        amount=Decimal("0"),
    )  # fmt: skip
    for i, (score, comment) in enumerate([(None, ""), (Decimal("87.5"), "好<b>" * 40), (Decimal("0"), "&amp;")]):
        attempt = ContactAttempt.objects.create(task=task, at=NOW, outcome="completed")
        CallRecord.objects.create(
            store=store, task=task, attempt=attempt, customer=customer, outcome=["satisfied", "with_issue", "not_reached"][i],
            ended_at=NOW - timedelta(days=i, hours=20), score=score, comment=comment,
        )  # fmt: skip
    for major, content in ((True, "严重<问题>" * 20), (False, "")):
        complaint, _ = complaint_services.complaint_intake(
            store=store, actor=manager, now=NOW - timedelta(days=3), channel="phone", category="SA",
            content=content or "x", customer=customer,
        )  # fmt: skip
        Complaint.objects.filter(pk=complaint.pk).update(is_major=major, content=content)
    return task


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_loops_give_the_templates_markup(odd_task, specialist, language):
    with translation.override(language):
        p = selectors.precall_for(task=odd_task, user=specialist, now=NOW)
        assert len(p["lines"]) == 4 and len(p["calls"]) == 3 and len(p["complaints"]) == 2
        assert call_rendering.lines_html(p["lines"]) == LINES.render(Context({"lines": p["lines"]}))
        assert call_rendering.scripts_html(p["scripts"], p["scenario"]) == SCRIPTS.render(Context({"p": p}))
        history = call_rendering.history_html(p["calls"], p["complaints"])
        assert history == HISTORY.render(Context({"p": p}))
        assert "&lt;b&gt;" in history and "<b>" not in history
        # no script at all
        p["scripts"] = []
        assert call_rendering.scripts_html([], p["scenario"]) == SCRIPTS.render(Context({"p": p}))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/Los_Angeles"])
def test_the_opening_time_input_is_the_empty_forms(language, zone):
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from huifang.workbench.forms import CallForm
    from huifang.workbench.rendering import PARTS

    PARTS.clear()
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        for now in (NOW, NOW.replace(microsecond=123456), NOW + timedelta(days=200, minutes=7)):
            form = CallForm(questions=[], initial={"started_at": now})
            assert call_rendering.started_at_html(now) == str(form["started_at"])


def test_labels_are_the_models_display(odd_task):
    from huifang.followups.choices import RuleKind, TaskStatus

    task, customer = odd_task, odd_task.customer
    for kind in [*RuleKind.values, "no_such_kind"]:
        task.kind = kind
        assert call_rendering.display(task, "kind") == task.get_kind_display()
    for status in TaskStatus.values:
        task.status = status
        assert call_rendering.display(task, "status") == task.get_status_display()
    for channel in ["", "sms", "phone", "odd"]:
        customer.preferred_channel = channel
        assert call_rendering.display(customer, "preferred_channel") == customer.get_preferred_channel_display()
    with translation.override("en"):
        assert call_rendering.display(task.repair_order, "ro_type") == task.repair_order.get_ro_type_display()
