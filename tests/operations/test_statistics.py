"""顾客统计表 (seed 002): showroom sales, first visits and lost customers per month and model, screen and XLSX."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from huifang.operations import services
from huifang.operations.choices import FigureSource
from huifang.operations.figures import statistics_table

from ..factories import RepairOrderFactory, VehicleFactory
from .conftest import NOW, at

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = 0, 1, 2


@pytest.fixture
def world(store, director):
    def car(model, **kwargs):
        return VehicleFactory(customer__store=store, model=model, **kwargs)

    # Sales 2026: 明锐 ×2 and 昊锐 ×1 in January, 明锐 ×1 in February (delivery date only), 晶锐 ×1 in March.
    car("明锐", purchase_date=at(2026, 1, 3).date())
    car("明锐", purchase_date=at(2026, 1, 31).date())
    car("昊锐", purchase_date=at(2026, 1, 15).date())
    car("明锐", delivery_date=at(2026, 2, 10).date())
    car("晶锐", purchase_date=at(2026, 3, 2).date())
    # The director entered 40 showroom sales for March: the March total shows 40, the per-model rows still count cars.
    services.monthly_figure_save(
        store=store, month=at(2026, 3, 1).date(), showroom_sales=40, workshop_throughput=None, actor=director, now=NOW
    )
    # First visits: 明锐 in January (its March visit is not a first), 晶锐 in February, 明锐 on 1 March 00:30
    # Shanghai (still 28 February in UTC); 昊锐 first came in December 2025, so not in 2026.
    v1 = car("明锐", last_visit_at=at(2026, 3, 1, 9))
    RepairOrderFactory(vehicle=v1, opened_at=at(2026, 1, 20, 9))
    RepairOrderFactory(vehicle=v1, opened_at=at(2026, 3, 1, 9))
    v2 = car("昊锐", last_visit_at=at(2026, 2, 2, 9))
    RepairOrderFactory(vehicle=v2, opened_at=at(2025, 12, 30, 9))
    RepairOrderFactory(vehicle=v2, opened_at=at(2026, 2, 2, 9))
    v3 = car("晶锐", last_visit_at=at(2026, 2, 15, 9))
    RepairOrderFactory(vehicle=v3, opened_at=at(2026, 2, 15, 9))
    v4 = car("明锐", last_visit_at=at(2026, 3, 1, 0, 30))
    RepairOrderFactory(vehicle=v4, opened_at=at(2026, 3, 1, 0, 30))
    # Lost (12 months without a visit): 昊锐 bought 5 Jan 2025, never seen -> lost 5 Jan 2026;
    # 明锐 last seen 10 Feb 2025 -> lost 10 Feb 2026; 明锐 last seen 1 May 2025 -> May 2026, after today.
    car("昊锐", purchase_date=at(2025, 1, 5).date())
    car("明锐", last_visit_at=at(2025, 2, 10, 9))
    car("明锐", last_visit_at=at(2025, 5, 1, 9))


def _block(table, key):
    return next(b for b in table["blocks"] if b["key"] == key)


def _model(block, model):
    return next(r["values"] for r in block["models"] if r["model"] == model)


def test_table_matches_hand_counts(store, world):
    table = statistics_table(store=store, year=2026, today=NOW.date())
    sales = _block(table, "sales")
    assert sales["totals"][:4] == [3, 1, 40, 0] and sales["total"] == 44
    assert sales["sources"][MAR] == FigureSource.ENTERED and sales["sources"][JAN] == FigureSource.VEHICLES
    assert _model(sales, "明锐")[:3] == [2, 1, 0]
    assert _model(sales, "昊锐")[:3] == [1, 0, 0]
    assert _model(sales, "晶锐")[:3] == [0, 0, 1]
    first = _block(table, "first_visits")
    assert first["totals"][:4] == [1, 1, 1, 0]
    assert _model(first, "明锐")[:3] == [1, 0, 1] and _model(first, "晶锐")[:3] == [0, 1, 0]
    assert _model(first, "昊锐") == [0] * 12
    lost = _block(table, "lost")
    assert lost["totals"] == [1, 1] + [0] * 10
    assert _model(lost, "昊锐")[:2] == [1, 0] and _model(lost, "明锐")[:2] == [0, 1]


def test_screen_and_xlsx_show_the_same_figures(client, store, specialist, world, frozen_clock):
    client.force_login(specialist)
    page = client.get(reverse("operations:customer_statistics", args=[store.pk]), {"year": "2026"})
    assert page.status_code == 200
    assert _block(page.context["table"], "sales")["totals"][MAR] == 40
    # when
    response = client.get(reverse("operations:customer_statistics_export", args=[store.pk]), {"year": "2026"})
    # then
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[2]
    assert header[2] == "1月" and header[13] == "12月"
    body = rows[3:]
    sales_total = body[0]
    assert sales_total[2:6] == (3, 1, 40, 0) and sales_total[14] == 44
    mingrui_sales = next(r for r in body[1:4] if r[1] == "明锐")
    assert mingrui_sales[2:5] == (2, 1, 0)
    lost_total = next(r for r in body if r[0] and r[2:4] == (1, 1) and r[14] == 2)
    assert lost_total[1] is not None
