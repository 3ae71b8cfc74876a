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
from huifang.core.choice_labels import display
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
        assert display(task, "kind") == task.get_kind_display()
    for status in TaskStatus.values:
        task.status = status
        assert display(task, "status") == task.get_status_display()
    for channel in ["", "sms", "phone", "odd"]:
        customer.preferred_channel = channel
        assert display(customer, "preferred_channel") == customer.get_preferred_channel_display()
    with translation.override("en"):
        assert display(task.repair_order, "ro_type") == task.repair_order.get_ro_type_display()


# The call screen's loops and includes before branch wbscreen, word for word.
FLAGS = Template(
    '{% load kept %}{% for f in p.flags %}<li class="{{ f.severity }}" data-flag="{{ f.code }}"><b>{{ f.label }}</b>'
    '{{ f.detail }}</li>\n        {% empty %}<li class="ok">{% kept_trans "Nothing to watch out for." %}</li>{% endfor %}'
)
CONTACTS = Template(
    "{% load archive_tags kept %}{% for ct in p.contacts %}<tr><td>{{ ct.get_role_display }}</td><td>{{ ct.name }}"
    '{% if ct.department %} <span class="muted">{{ ct.department }}</span>{% endif %}</td><td>{% if ct.phone %}'
    '<span class="phone-cell"><span class="phone mono">{{ ct.phone|masked }}</span>{% if may_reveal %} <button '
    'type="button" class="link reveal" hx-post="{% url \'archive:contact_phone_reveal\' p.customer.pk ct.pk %}" '
    'hx-target="closest .phone-cell" hx-swap="innerHTML">{% kept_trans "Reveal" %}</button>{% endif %}</span>'
    "{% endif %}</td></tr>{% endfor %}"
)
PHONE = Template('{% include "archive/_phone.html" with number=number field=field customer=p.customer %}')


@pytest.fixture
def company_task(store, specialist):
    from huifang.archive.choices import ContactRole, CustomerKind
    from huifang.archive.models import Contact

    company = CustomerFactory(
        store=store, name="<b>物流</b>", kind=CustomerKind.COMPANY, mobile="", home_phone="+862088881234",
        office_phone="+8675512345678",
    )  # fmt: skip
    Contact.objects.create(customer=company, role=ContactRole.DRIVER, name="刘<师傅>", phone="+8613800138000")
    Contact.objects.create(
        customer=company, role=ContactRole.FLEET_MANAGER, name="陈 & 经理", phone="", department="车队 <1>"
    )
    Contact.objects.create(customer=company, role="odd_role", name="", phone="+862012345", extension="12")
    return call_task(store, assigned_to=specialist, customer=company)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("may_reveal", [True, False])
def test_flags_contacts_and_phones_give_the_templates_markup(company_task, odd_task, specialist, language, may_reveal):
    with translation.override(language):
        for task in (company_task, odd_task):
            p = selectors.precall_for(task=task, user=specialist, now=NOW)
            customer = p["customer"]
            context = {"p": p, "may_reveal": may_reveal}
            assert call_rendering.flags_html(p["flags"]) == FLAGS.render(Context(context))
            assert call_rendering.contacts_html(
                p["contacts"], customer_pk=customer.pk, may_reveal=may_reveal
            ) == CONTACTS.render(Context(context))
            for field in ("mobile", "home_phone", "office_phone"):
                number = getattr(customer, field)
                assert call_rendering.phone_html(
                    number, field=field, customer_pk=customer.pk, may_reveal=may_reveal
                ) == PHONE.render(Context({**context, "number": number, "field": field}))
        p["flags"] = []
        assert call_rendering.flags_html([]) == FLAGS.render(Context({"p": p}))
    assert len(selectors.precall_for(task=company_task, user=specialist, now=NOW)["contacts"]) == 3


def test_truncated_texts_are_the_filters():
    from django.template.defaultfilters import truncatechars

    for text in ["", "a" * 60, "a" * 61, "好" * 59 + "<", "e\u0301" * 40, "e\u0301" * 70, "\u212b" * 3]:
        for length in (50, 60):
            assert call_rendering._truncated(text, length) == truncatechars(text, length)


@pytest.mark.parametrize("prefix", ["/", "/huifang/"])
def test_addresses_with_arguments_are_reverses(prefix):
    from django.urls import reverse, set_script_prefix
    from django.utils.html import conditional_escape

    set_script_prefix(prefix)
    try:
        for name, args in [
            ("archive:phone_reveal", (12, "office_phone")),
            ("archive:phone_reveal", (3, "a b&c")),
            ("archive:contact_phone_reveal", (9876543, 1)),
            ("workbench:survey_link", (5,)),
        ]:
            assert call_rendering.url_of(name, *args) == conditional_escape(reverse(name, args=args))
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("grouping", [False, True])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_shown_values_are_the_templates(settings, grouping, language):
    from django.utils.formats import localize
    from django.utils.html import conditional_escape
    from django.utils.safestring import mark_safe

    from huifang.workbench import call_cards

    settings.USE_THOUSAND_SEPARATOR = grouping
    with translation.override(language):
        amount = call_cards._amounts()
        for value in [Decimal("1234567.80"), Decimal("-0.50"), Decimal("0"), Decimal("1E+3"), 5, None, 12.5]:
            assert amount(value) == conditional_escape(localize(value))
            assert call_rendering._shown(value) == conditional_escape(localize(value))
        for text in ["", "<a href=\"x\">'&amp;'</a>", "好", mark_safe("<b>")]:
            assert call_rendering._shown(text) == conditional_escape(localize(text))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_saved_notice_is_the_included_templates(odd_task, store, manager, language):
    from django.template.loader import render_to_string

    from huifang.workbench.models import Problem

    calls = list(CallRecord.objects.filter(task=odd_task).order_by("id"))
    complaint = Complaint.objects.filter(customer=odd_task.customer).first()
    CallRecord.objects.filter(pk=calls[1].pk).update(complaint=complaint, issue_reasons=["总分 <3", "复修 & 投诉"])
    CallRecord.objects.filter(pk=calls[2].pk).update(issue_reasons=["x"])
    for description in ("机油<漏>" * 12, "短"):
        Problem.objects.create(
            store=store, call=calls[2], customer=odd_task.customer, description=description, created_at=NOW
        )
    with translation.override(language):
        assert call_rendering.saved_notice_html(None) == render_to_string("workbench/_saved_notice.html", {})
        for call in calls:
            found = selectors.saved_call(user=manager, call_id=call.pk)
            saved_call, problems = found
            for url in ("/complaints/9/", ""):
                saved = {"call": saved_call, "complaint_url": url, "problems": problems}
                expected = render_to_string("workbench/_saved_notice.html", {"saved": saved})
                assert call_rendering.saved_notice_html(saved) == expected
                assert 'id="wb-saved"' in expected
    assert len(problems) == 2 and calls[1].pk != calls[2].pk
