"""The staffing table's buckets, edited on the staffing screen by the care director: edges increasing, no gap,
no overlap; the suggestion follows the new edges; every change is audited."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.accounts.models import Store
from huifang.audit.models import AuditEntry
from huifang.operations import figures, services
from huifang.operations.models import StaffingCell
from huifang.operations.rules import Bucket, bucket_errors, bucket_origins

from ..factories import member
from .conftest import at

pytestmark = pytest.mark.django_db

B = Bucket


@pytest.mark.parametrize(
    ("buckets", "errors"),
    [
        ([B("a", None, 99), B("b", 100, 300), B("c", 301, None)], {}),
        ([B("a", 0, 99), B("b", 100, None)], {}),
        ([B("a", None, None)], {}),
        ([], {0: "empty"}),
        ([B("a", None, 99), B("b", 101, 300)], {1: "gap"}),
        ([B("a", None, 99), B("b", 99, 300)], {1: "overlap"}),
        ([B("a", None, 99), B("b", 100, 50)], {1: "order"}),
        ([B("a", None, 99), B("b", None, 300)], {1: "open_low"}),
        ([B("a", None, None), B("b", 100, 300)], {0: "open_high"}),
        ([B("a", None, 99), B(" ", 100, 300)], {1: "label"}),
        ([B("a", None, 99), B("a", 100, 300)], {1: "duplicate"}),
    ],
)
def test_bucket_errors(buckets, errors):
    assert bucket_errors(buckets) == errors


@pytest.mark.parametrize(
    ("origins", "expected"),
    [([0, 1, 2], [0, 1, 2]), ([0, None, 1], [0, 0, 1]), ([None, 0], [0, 0]), ([2, 0], [2, 0]), ([None], [0])],
)
def test_a_new_bucket_copies_its_neighbour(origins, expected):
    assert bucket_origins(origins) == expected


def _formset(prefix: str, buckets: list[tuple], extra: tuple = ("", "", "")) -> dict:
    """The formset as the browser posts it: (label, low, high, origin[, delete]) per bucket, plus the empty line."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(buckets) + 1), f"{prefix}-INITIAL_FORMS": str(len(buckets))}
    for i, (label, low, high, origin, *delete) in enumerate(buckets):
        data |= {
            f"{prefix}-{i}-label": label,
            f"{prefix}-{i}-low": "" if low is None else str(low),
            f"{prefix}-{i}-high": "" if high is None else str(high),
            f"{prefix}-{i}-origin": str(origin),
        }
        if delete:
            data[f"{prefix}-{i}-DELETE"] = "on"
    n = len(buckets)
    data |= {f"{prefix}-{n}-label": extra[0], f"{prefix}-{n}-low": extra[1], f"{prefix}-{n}-high": extra[2]}
    return data


SEED_ROWS = [
    ("600以下", None, 599, 0),
    ("600-1200", 600, 1200, 1),
    ("1201-1799", 1201, 1799, 2),
    ("1800-2399", 1800, 2399, 3),
    ("2400-3000", 2400, 3000, 4),
    ("3000以上", 3001, None, 5),
]
SEED_COLUMNS = [("100以下", None, 99, 0), ("100-300", 100, 300, 1), ("301-599", 301, 599, 2)]


def _grid(store) -> dict[tuple[str, str], str]:
    return {(c.throughput_label, c.sales_label): c.formula for c in StaffingCell.objects.filter(store=store)}


def _suggestion(store, director, *, sales: int, throughput: int):
    month = at(2026, 2, 1).date()
    services.monthly_figure_save(
        store=store,
        month=month,
        showroom_sales=sales,
        workshop_throughput=throughput,
        actor=director,
        now=at(2026, 3, 1),
    )
    return figures.staffing_suggestion(store=store, month=month)


def test_director_moves_an_edge_adds_a_column_and_the_suggestion_follows(client, store, director, frozen_clock):
    # given the seed table; 550 throughput is "600以下", 700 sales is beyond the table (clamped)
    services.staffing_cells_ensure_defaults(store=store)
    before = _suggestion(store, director, sales=700, throughput=550)
    assert (before["suggested"].throughput_label, before["clamped"]) == ("600以下", True)
    seed = _grid(store)
    url = reverse("operations:staffing_buckets_edit", args=[store.pk])
    client.force_login(director)
    assert client.get(url).status_code == 200
    # when the first edge moves to 500 and a column "600以上" is added after 301-599 (ending at 599)
    rows = [("500以下", None, 499, 0), ("500-1200", 500, 1200, 1), *SEED_ROWS[2:]]
    data = _formset("throughput", rows) | _formset("sales", SEED_COLUMNS, extra=("600以上", "600", ""))
    response = client.post(url, data)
    # then the table has 6 × 4 cells, the kept cells kept their team and the new column copies 301-599
    assert response.status_code == 302
    grid = _grid(store)
    assert len(grid) == 24
    assert grid[("500以下", "100-300")] == seed[("600以下", "100-300")]
    assert grid[("3000以上", "600以上")] == seed[("3000以上", "301-599")] == "1+2+5"
    # and 550 throughput now falls in the second row, 700 sales in the new column without clamping
    after = _suggestion(store, director, sales=700, throughput=550)
    assert (after["suggested"].throughput_label, after["suggested"].sales_label) == ("500-1200", "600以上")
    assert after["suggested"].formula == seed[("600-1200", "301-599")]
    assert after["clamped"] is False
    # and the change is audited on the store
    entry = AuditEntry.objects.get(content_type=ContentType.objects.get_for_model(Store), object_id=store.pk)
    old, new = entry.changes["staffing_buckets"]
    assert old["throughput"][0] == "600以下 [–599]" and new["throughput"][0] == "500以下 [–499]"
    assert new["sales"][-1] == "600以上 [600–]"


def test_removing_a_row_and_closing_the_gap(client, store, director, frozen_clock):
    services.staffing_cells_ensure_defaults(store=store)
    url = reverse("operations:staffing_buckets_edit", args=[store.pk])
    client.force_login(director)
    rows = [*SEED_ROWS[:2], (*SEED_ROWS[2], "delete"), ("1201-2399", 1201, 2399, 3), *SEED_ROWS[4:]]
    response = client.post(url, _formset("throughput", rows) | _formset("sales", SEED_COLUMNS))
    assert response.status_code == 302
    labels = sorted({(c.row, c.throughput_label) for c in StaffingCell.objects.filter(store=store)})
    assert [label for _, label in labels] == ["600以下", "600-1200", "1201-2399", "2400-3000", "3000以上"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([*SEED_ROWS[:2], (*SEED_ROWS[2], "delete"), *SEED_ROWS[3:]], "1201"),  # gap: 1800 must start at 1201
        ([SEED_ROWS[0], ("600-1200", 590, 1200, 1), *SEED_ROWS[2:]], "600"),  # overlap
        ([SEED_ROWS[0], ("600-1200", 1300, 1200, 1), *SEED_ROWS[2:]], None),  # edges reversed
    ],
)
def test_a_bad_edge_is_named_and_nothing_changes(client, store, director, frozen_clock, rows, message):
    services.staffing_cells_ensure_defaults(store=store)
    seed = _grid(store)
    client.force_login(director)
    response = client.post(
        reverse("operations:staffing_buckets_edit", args=[store.pk]),
        _formset("throughput", rows) | _formset("sales", SEED_COLUMNS),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="field-error error"' in html
    if message:
        assert message in html.split('id="throughput-buckets"')[1].split("</fieldset>")[0]
    assert _grid(store) == seed
    assert not AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Store)).exists()


def test_only_the_director_edits_buckets_and_another_store_is_not_found(
    client, store, other_store, specialist, manager, frozen_clock
):
    # a director, but of the other store
    outsider = member(other_store, Role.CARE_DIRECTOR, username="other-director")
    services.staffing_cells_ensure_defaults(store=store)
    url = reverse("operations:staffing_buckets_edit", args=[store.pk])
    data = _formset("throughput", SEED_ROWS) | _formset("sales", [("全部", None, None, 0)])
    for user, status in ((specialist, 403), (manager, 403), (outsider, 404)):
        client.force_login(user)
        assert client.post(url, data).status_code == status
        assert client.get(url).status_code == status
    assert len(_grid(store)) == 18
