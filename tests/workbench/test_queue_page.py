"""The queue page's parts made in Python (workbench.rendering: count boxes, bucket sections, pager, filters)
give the HTML the template gave before them, and the page reads the same for a care specialist and for a
manager's team view, in Chinese and English, with filters and pages (issue 18 moved these parts out of
`_queue_table.html` and `queue.html`; the templates below are those lines as they were)."""

import itertools
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString

from huifang.accounts.choices import Role
from huifang.core import clock
from huifang.followups.models import FollowUpTask
from huifang.workbench import queue_read, rendering, selectors
from huifang.workbench.forms import QueueFilterForm
from huifang.workbench.queue_read import Person
from huifang.workbench.views import BUCKETS

from ..factories import PASSWORD, CustomerFactory, StoreFactory, member
from .factories import NOW, at, call_task

LANGUAGES = ("zh-hans", "en")

# The lines of `_queue_table.html` and `queue.html` before issue 18's change, as they were.
COUNT_BOXES = (
    "{% for key, label, rows, count, shown in buckets %}"
    '<div class="wb-count {{ key }}" data-bucket-count="{{ key }}"><span class="muted small">{{ label }}</span>'
    "<b>{{ count }}</b></div>{% endfor %}"
)
TBODIES = """{% load i18n %}{% for key, label, rows, count, shown in buckets %}{% if shown or page == 1 %}
    <tbody class="bucket-{{ key }}">
      <tr class="bucket {{ key }}"><th colspan="{% if team %}10{% else %}8{% endif %}">{{ label }} <span class="badge{% if key == 'overdue' and count %} bad{% elif key == 'due_now' and count %} warn{% endif %}">{{ count }}</span>{% if shown < count %} <span class="muted small">{% blocktrans %}{{ shown }} on this page{% endblocktrans %}</span>{% endif %}</th></tr>
      {% if shown %}{{ rows }}{% else %}
      <tr><td colspan="{% if team %}10{% else %}8{% endif %}" class="muted">{% if count %}{% trans "On the next pages." %}{% else %}{% trans "None." %}{% endif %}</td></tr>
      {% endif %}
    </tbody>
    {% endif %}{% endfor %}"""  # noqa: E501
PAGER = """{% load i18n %}{% if pages > 1 %}
  <nav class="pager" id="wb-pager">
    {% if page > 1 %}<a href="?{% if query %}{{ query }}&amp;{% endif %}page={{ page|add:-1 }}" rel="prev">← {% trans "More urgent" %}</a>{% endif %}
    <span>{% blocktrans %}Page {{ page }} of {{ pages }}{% endblocktrans %}</span>
    {% if page < pages %}<a href="?{% if query %}{{ query }}&amp;{% endif %}page={{ page|add:1 }}" rel="next">{% trans "Less urgent" %} →</a>{% endif %}
  </nav>
  {% endif %}"""  # noqa: E501
FILTERS = """<label>{{ filters.kind.label }} {{ filters.kind }}</label>
  <label>{{ filters.store.label }} {{ filters.store }}</label>
  <label>{{ filters.advisor.label }} {{ filters.advisor }}</label>
  {% if team %}<input type="hidden" name="team" value="on">
    {% if filters.assignee.field.choices|length > 1 %}<label>{{ filters.assignee.label }} {{ filters.assignee }}</label>{% endif %}
  {% endif %}"""  # noqa: E501


BEHIND = """{% load i18n %}{% for b in behind %}
      <tr class="behind-row"><td>{% if b.assigned_to %}{{ b.name }}{% if b.on_leave %} <span class="badge warn">{% trans "on leave" %}</span>{% endif %}{% else %}<span class="muted">{% trans "Nobody" %}</span>{% endif %}</td><td class="num">{{ b.overdue }}</td><td class="nowrap">{{ b.oldest|date:"Y-m-d H:i" }}</td></tr>
    {% empty %}
      <tr><td colspan="3" class="muted">{% trans "Nobody is behind." %}</td></tr>
    {% endfor %}"""  # noqa: E501
RECEIVERS = '{% for u in receivers %}<option value="{{ u.pk }}">{{ u }}</option>{% endfor %}'


def _template(text: str, **context) -> str:
    return Template(text).render(Context(context))


def _buckets(counts, labels=None) -> list:
    """(key, label, rows' HTML, count, shown) per bucket, as the view gives them."""
    labels = labels or [str(label) for _key, label in BUCKETS]
    return [
        (key, label, SafeString("<tr><td>row</td></tr>" * shown), count, shown)
        for (key, _label), label, (count, shown) in zip(BUCKETS, labels, counts, strict=True)
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_bucket_sections_and_counts_read_as_the_template_read(language):
    shapes = [((0, 0), (0, 0), (0, 0), (0, 0)), ((3, 3), (120, 47), (5, 0), (0, 0)), ((1, 0), (60, 0), (2, 2), (9, 9))]
    with translation.override(language):
        odd = ["逾期 <b>&</b>", 'Due "now"', "It's later", "Later"]
        for counts, team, page, labels in itertools.product(shapes, (False, True), (1, 2), (None, odd)):
            buckets = _buckets(counts, labels)
            # when / then
            assert rendering.queue_tbodies(buckets, team=team, page=page) == _template(
                TBODIES, buckets=buckets, team=team, page=page
            ), (counts, team, page)
            assert rendering.queue_count_boxes(buckets) == _template(COUNT_BOXES, buckets=buckets)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pager_reads_as_the_template_read(language):
    with translation.override(language):
        for pages, page, query in itertools.product((1, 2, 5), (1, 2, 5), ("", "team=on&kind=a%3Cb%3E&store=3")):
            if page > pages:
                continue
            assert rendering.queue_pager(page=page, pages=pages, query=query) == _template(
                PAGER, page=page, pages=pages, query=query
            ), (pages, page, query)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_filters_read_as_the_template_read(language, store, other_store):
    stores = [store, other_store]
    advisors = [Person(7, "王顾问"), Person(8, "<b>O'Neil & 子</b>")]
    assignees = [Person(9, "张三")]
    data_sets = [None, {"kind": "maintenance_reminder", "store": str(store.pk)}, {"advisor": "8", "team": "on"}]
    data_sets += [{"kind": "bogus", "store": "x"}, {"assignee": "0", "team": "on"}, {"assignee": "9", "team": "on"}]
    # Twice: the second round reads the kept filters (rendering.queue_filter_fields) of every state the first
    # made, each of which must still be the template's.
    with translation.override(language):
        for _round, data, team, who in itertools.product((1, 2), data_sets, (False, True), ([], assignees)):
            form = QueueFilterForm(data, stores=stores, advisors=advisors, assignees=who)
            form.is_valid()
            reference = QueueFilterForm(data, stores=stores, advisors=advisors, assignees=who)
            reference.is_valid()
            assert rendering.queue_filter_fields(form, team=team) == _template(FILTERS, filters=reference, team=team), (
                data,
                team,
                who,
            )


@pytest.mark.django_db
def test_kept_filter_fields_follow_the_stores_and_the_language(store, other_store):
    """The filter form's fields are kept per set of choices: a renamed store or another advisor is shown at
    once, and the kept selects speak the request's language."""
    # given a form once
    QueueFilterForm(None, stores=[store], advisors=[Person(7, "王顾问")], assignees=[]).is_valid()
    # when the store is renamed and another advisor comes
    store.name = "改名后的店"
    form = QueueFilterForm(None, stores=[store], advisors=[Person(7, "王顾问"), Person(5, "李顾问")], assignees=[])
    # then
    with translation.override("zh-hans"):
        html = str(form["store"]) + str(form["advisor"]) + str(form["kind"])
        assert "改名后的店" in html and "李顾问" in html and "全部类型" in html
    with translation.override("en"):
        assert "All kinds" in str(form["kind"]) and "All advisors" in str(form["advisor"])
    # and a bound form's choice is checked against the choices it was given
    bound = QueueFilterForm({"advisor": "5"}, stores=[store], advisors=[Person(7, "王顾问")], assignees=[])
    assert not bound.is_valid()


@pytest.fixture
def page_of_tasks(store, specialist, manager, advisor, monkeypatch):
    """Seven tasks of the specialist and two of nobody's at NOW (Wed 25 Nov 10:00), pages of three."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    monkeypatch.setattr(selectors, "QUEUE_PAGE_SIZE", 3)
    tokyo = StoreFactory(code="TK03", name="东京店", time_zone="Asia/Tokyo")
    member(tokyo, Role.SERVICE_ADVISOR, username="tokyo_advisor", display_name="东京顾问")
    tasks = [
        call_task(store, assigned_to=specialist, due_at=at(2026, 11, 21, 9), advisor=advisor),  # overdue
        *(call_task(store, assigned_to=specialist, due_at=at(2026, 11, 24, 8 + i)) for i in range(4)),
        call_task(store, assigned_to=specialist, due_at=at(2026, 11, 25, 18, 30)),  # later today
        call_task(store, assigned_to=specialist, kind="maintenance_reminder", due_at=at(2026, 11, 27, 9)),
        call_task(store, customer=CustomerFactory(store=store, name="无人"), due_at=at(2026, 11, 24, 9)),
        call_task(store, customer=CustomerFactory(store=store, name="无人二"), due_at=at(2026, 11, 23, 9)),
    ]
    FollowUpTask.objects.filter(pk=tasks[2].pk).update(next_call_at=NOW + timedelta(hours=2, minutes=5))
    return tasks


def _get(client, user, language, **query):
    assert client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("workbench:queue"), query)
    assert response.status_code == 200
    return response.content.decode()


def _counts(html: str) -> dict:
    return dict(re.findall(r'data-bucket-count="(\w+)"><span class="muted small">[^<]*</span><b>(\d+)</b>', html))


@pytest.mark.django_db
def test_the_specialists_queue_in_both_languages(client, specialist, page_of_tasks):
    # when
    zh = _get(client, specialist, "zh-hans")
    en = _get(client, specialist, "en")
    second = _get(client, specialist, "en", page="2")
    third = _get(client, specialist, "zh-hans", page="3")
    # then the counts, the sections, the times in the store's time and the pager read as before
    for html in (zh, en, second, third):
        assert _counts(html) == {"overdue": "1", "due_now": "4", "today": "1", "later": "1", "total": "7"}
    assert '<tr class="bucket overdue"><th colspan="8">逾期 <span class="badge bad">1</span></th></tr>' in zh
    assert (
        '<tr class="bucket due_now"><th colspan="8">Due now <span class="badge warn">4</span>'
        ' <span class="muted small">2 on this page</span></th></tr>'
    ) in en
    assert '<tr class="bucket later"><th colspan="8">以后 <span class="badge">1</span>' in zh
    assert '<tr><td colspan="8" class="muted">On the next pages.</td></tr>' in en
    assert "bucket-overdue" not in second and "bucket-later" not in second  # nothing of theirs on page 2
    assert '<td class="nowrap">11-24 08:00</td>' in zh and '<span class="badge bad">11-24 09:00</span>' in zh
    assert (
        '<nav class="pager" id="wb-pager">\n    \n    <span>Page 1 of 3</span>\n'
        '    <a href="?page=2" rel="next">Less urgent →</a>\n  </nav>'
    ) in en
    assert '<a href="?page=1" rel="prev">← More urgent</a>' in second and "<span>Page 2 of 3</span>" in second
    assert '<a href="?page=2" rel="prev">← 更紧急的</a>' in third and "<span>第 3 页，共 3 页</span>" in third
    # a call-back time ahead (the task waits for it) is marked with that time
    assert '<span class="badge wb-mark-callback">' in zh + second + third and "11-25 12:05" in zh + second + third
    # the filters: the kinds, the stores and the advisors of the specialist's stores, nothing selected
    assert '<option value="" selected>全部类型</option>' in zh and '<option value="" selected>All stores</option>' in en
    assert "王顾问" in zh and "东京顾问" not in zh and 'name="team"' not in zh


@pytest.mark.django_db
def test_filters_and_pages_keep_the_query(client, specialist, page_of_tasks):
    # when the specialist filters by kind, then by the advisor, then asks a page past the last
    kind = _get(client, specialist, "en", kind="post_service_call")
    advisor = _get(client, specialist, "zh-hans", advisor=str(page_of_tasks[0].repair_order.advisor_id))
    past = _get(client, specialist, "en", kind="post_service_call", page="99")
    # then
    assert _counts(kind)["total"] == "6" and '<option value="post_service_call" selected>' in kind
    assert '<a href="?kind=post_service_call&amp;page=2" rel="next">' in kind
    assert _counts(advisor)["total"] == "1" and f'data-task="{page_of_tasks[0].pk}"' in advisor
    assert "<span>Page 2 of 2</span>" in past and 'href="?kind=post_service_call&amp;page=1" rel="prev"' in past


@pytest.mark.django_db
def test_the_managers_team_queue_in_both_languages(client, manager, specialist, page_of_tasks):
    # when
    zh = _get(client, manager, "zh-hans", team="on")
    en = _get(client, manager, "en", team="on", assignee=str(specialist.pk))
    last = _get(client, manager, "en", team="on", page="3")
    # then every task of the store, with the tick and the assignee columns
    assert _counts(zh)["total"] == "9" and _counts(en)["total"] == "7" and _counts(last)["total"] == "9"
    assert '<th colspan="10">' in zh and 'name="tasks"' in zh and '<input type="hidden" name="team" value="on">' in zh
    assert zh.split('id="wb-reassign"')[-1].count('<td><span class="muted">无人</span></td>') == 1
    assert f'<option value="{specialist.pk}" selected>' in en and "Nobody" not in en.split('id="wb-reassign"')[-1]
    assert "Who is behind" in en and "<span>Page 3 of 3</span>" in last
    assert '<a href="?team=on&amp;page=2" rel="prev">' in last
    assert '<label>assigned to <select name="assignee" id="id_assignee">' in en


@pytest.mark.parametrize("language", LANGUAGES)
def test_who_is_behind_reads_as_the_template_read(language):
    behind = [
        {
            "assigned_to": 3,
            "name": "<b>O'Neil & 子</b>",
            "on_leave": True,
            "overdue": 12,
            "oldest": at(2026, 1, 2, 3, 4),
        },
        {"assigned_to": 4, "name": "王五", "on_leave": False, "overdue": 1, "oldest": at(2026, 11, 24, 23, 59)},
        {"assigned_to": None, "name": "", "on_leave": False, "overdue": 7, "oldest": None},
    ]
    with translation.override(language):
        for rows in (behind, behind[2:], []):
            assert rendering.queue_behind_rows(rows) == _template(BEHIND, behind=rows)


@pytest.mark.django_db
def test_the_receivers_read_as_the_template_read(store):
    # given colleagues with and without a display name, one whose name carries markup
    users = [
        member(store, username="b_user", display_name="<i>李</i>"),
        member(store, username="a_user", display_name="", first_name="Wei", last_name="Li"),
        member(store, username="c_user", display_name="", first_name="", last_name=""),
    ]
    queryset = type(users[0]).objects.filter(pk__in=[u.pk for u in users]).order_by("username")
    # when / then: the plain rows give the options the User instances gave
    people = queue_read.people(queryset)
    assert [(p.pk, str(p)) for p in people] == [(u.pk, str(u)) for u in queryset]
    assert rendering.queue_receiver_options(people) == _template(RECEIVERS, receivers=queryset)
