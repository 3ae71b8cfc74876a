"""客服人力资源规划 (seed 002): values on each side of every bucket edge give the seed table's cell."""

import pytest
from django.urls import reverse

from huifang.accounts.choices import Role
from huifang.operations import figures, rules, services
from huifang.operations.choices import FigureSource
from huifang.operations.models import StaffingCell

from ..factories import RepairOrderFactory, VehicleFactory, member
from .conftest import at

pytestmark = pytest.mark.django_db

# Seed 002, transcribed by hand from "展厅销量进厂台次100以下100-300301-599600以下1+1+11+1+11+1+2600-12001+1+1
# 1+1+21+1+21201-17991+1+11+1+21+1+31800-23991+1+21+1+31+1+32400-30001+1+31+1+31+2+43000以上1+1+31+2+31+2+5":
# rows are monthly workshop throughput (进厂台次), columns monthly showroom sales (展厅销量).
SEED = {
    "600以下": {"100以下": "1+1+1", "100-300": "1+1+1", "301-599": "1+1+2"},
    "600-1200": {"100以下": "1+1+1", "100-300": "1+1+2", "301-599": "1+1+2"},
    "1201-1799": {"100以下": "1+1+1", "100-300": "1+1+2", "301-599": "1+1+3"},
    "1800-2399": {"100以下": "1+1+2", "100-300": "1+1+3", "301-599": "1+1+3"},
    "2400-3000": {"100以下": "1+1+3", "100-300": "1+1+3", "301-599": "1+2+4"},
    "3000以上": {"100以下": "1+1+3", "100-300": "1+2+3", "301-599": "1+2+5"},
}
# Each side of each throughput edge (inclusive as written) and the row the value belongs to.
THROUGHPUT_CASES = [
    (0, "600以下"),
    (599, "600以下"),
    (600, "600-1200"),
    (1200, "600-1200"),
    (1201, "1201-1799"),
    (1799, "1201-1799"),
    (1800, "1800-2399"),
    (2399, "1800-2399"),
    (2400, "2400-3000"),
    (3000, "2400-3000"),
    (3001, "3000以上"),
    (9999, "3000以上"),
]
SALES_CASES = [
    (0, "100以下"),
    (99, "100以下"),
    (100, "100-300"),
    (300, "100-300"),
    (301, "301-599"),
    (599, "301-599"),
]


@pytest.mark.parametrize(("throughput", "row_label"), THROUGHPUT_CASES)
@pytest.mark.parametrize(("sales", "column_label"), SALES_CASES)
def test_suggestion_is_the_seed_cell_on_each_side_of_every_edge(store, throughput, row_label, sales, column_label):
    # given: the store's table seeded from defaults
    services.staffing_cells_ensure_defaults(store=store)
    cells = {(c.row, c.column): c for c in StaffingCell.objects.filter(store=store)}
    rows = [cells[(r, 0)] for r in range(6)]
    columns = [cells[(0, c)] for c in range(3)]
    # when
    pick = rules.staffing_pick(
        sales=sales,
        throughput=throughput,
        throughput_buckets=[(c.throughput_min, c.throughput_max) for c in rows],
        sales_buckets=[(c.sales_min, c.sales_max) for c in columns],
    )
    cell = cells[(pick.row, pick.column)]
    # then
    assert (cell.throughput_label, cell.sales_label) == (row_label, column_label)
    assert cell.formula == SEED[row_label][column_label]
    assert cell.total == sum(int(n) for n in SEED[row_label][column_label].split("+"))
    assert pick.clamped is False


def test_sales_beyond_the_table_use_the_last_column_and_say_so(store):
    services.staffing_cells_ensure_defaults(store=store)
    cells = {(c.row, c.column): c for c in StaffingCell.objects.filter(store=store)}
    pick = rules.staffing_pick(
        sales=800,
        throughput=3500,
        throughput_buckets=[(cells[(r, 0)].throughput_min, cells[(r, 0)].throughput_max) for r in range(6)],
        sales_buckets=[(cells[(0, c)].sales_min, cells[(0, c)].sales_max) for c in range(3)],
    )
    assert (pick.row, pick.column, pick.clamped) == (5, 2, True)


def test_entered_figures_pick_the_cell_and_the_screen_shows_it_beside_the_actual_team(
    client, store, director, specialist, frozen_clock
):
    # given: February 2026 entered as 1201 throughput and 300 sales -> row 1201-1799, column 100-300 = 1+1+2
    member(store, Role.CARE_SPECIALIST, username="specialist2")
    services.monthly_figure_save(
        store=store,
        month=at(2026, 2, 1).date(),
        showroom_sales=300,
        workshop_throughput=1201,
        actor=director,
        now=at(2026, 3, 1, 9),
    )
    client.force_login(specialist)
    # when
    response = client.get(reverse("operations:staffing", args=[store.pk]), {"month": "2026-02"})
    # then
    suggestion = response.context["suggested"]
    assert suggestion.formula == "1+1+2" and suggestion.total == 4
    assert response.context["actual"] == {"directors": 1, "specialists": 2, "total": 3}
    assert response.context["figure"]["sales_source"] == FigureSource.ENTERED
    html = response.content.decode()
    assert "<code>1+1+2</code>" in html


def test_without_figures_sales_come_from_vehicles_and_throughput_from_repair_orders(store):
    # given: 2 cars sold in January (one by delivery date only), 3 repair orders opened in January
    VehicleFactory(customer__store=store, purchase_date=at(2026, 1, 5).date())
    VehicleFactory(customer__store=store, delivery_date=at(2026, 1, 31).date())
    VehicleFactory(customer__store=store, purchase_date=at(2026, 2, 1).date())
    for day in (1, 15, 31):
        RepairOrderFactory(vehicle__customer__store=store, opened_at=at(2026, 1, day, 9))
    RepairOrderFactory(vehicle__customer__store=store, opened_at=at(2026, 2, 1, 0, 30))  # February in Shanghai
    # when
    result = figures.staffing_suggestion(store=store, month=at(2026, 1, 1).date())
    # then
    assert (result["figure"]["sales"], result["figure"]["sales_source"]) == (2, FigureSource.VEHICLES)
    assert (result["figure"]["throughput"], result["figure"]["throughput_source"]) == (3, FigureSource.REPAIR_ORDERS)
    assert result["suggested"].formula == "1+1+1"


def test_director_edits_the_table_and_a_bad_cell_is_named(client, store, director, specialist):
    services.staffing_cells_ensure_defaults(store=store)
    url = reverse("operations:staffing_table_edit", args=[store.pk])
    data = {f"cell_{c.row}_{c.column}": c.formula for c in StaffingCell.objects.filter(store=store)}
    client.force_login(specialist)
    assert client.post(url, data | {"cell_0_0": "1+1+5"}).status_code == 403
    client.force_login(director)
    bad = client.post(url, data | {"cell_0_0": "two"})
    assert bad.status_code == 422
    assert "cell_0_0" in bad.context["table_form"].errors
    assert client.post(url, data | {"cell_0_0": "1+2+2"}).status_code == 302
    assert StaffingCell.objects.get(store=store, row=0, column=0).formula == "1+2+2"
