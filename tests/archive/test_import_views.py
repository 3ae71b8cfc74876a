import csv

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from huifang.archive.choices import ImportStatus
from huifang.archive.importing.services import import_mapping_save
from huifang.archive.models import Customer, ImportBatch, ImportMapping, RepairOrder

from ..factories import PASSWORD, make_vin

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HEADERS = ["客户编号", "客户名称", "手机", "车架号", "工单号", "进厂时间", "总金额", "备注"]
ROWS = [
    ["C001", "张三", "13812345678", make_vin(1), "RO001", "2025-01-02 09:00", "300", "老客户"],
    ["C002", "李四", "12345", make_vin(2), "RO002", "2025-01-03 09:00", "200", ""],
]


def export_file(rows=ROWS, headers=HEADERS, encoding="gbk"):
    lines = [",".join(headers)] + [",".join(r) for r in rows]
    return SimpleUploadedFile("dms.csv", ("\r\n".join(lines) + "\r\n").encode(encoding), content_type="text/csv")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


def upload(client, store, mode="import"):
    return client.post(reverse("archive:import_upload"), {"store": store.pk, "mode": mode, "file": export_file()})


@pytest.mark.django_db
def test_specialist_uploads_confirms_columns_and_sees_the_result(
    client, store, specialist, immediate_tasks, django_capture_on_commit_callbacks
):
    # given
    login(client, specialist)
    # when the file is uploaded, the columns are confirmed (and saved as the store's mapping)
    response = upload(client, store)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("archive:import_mapping", args=[batch.pk])
    page = client.get(response["Location"])
    assert "客户编号" in page.content.decode() and 'value="customer_code" selected' in page.content.decode()
    columns = {
        f"col_{i}": field
        for i, field in enumerate(
            ["customer_code", "customer_name", "mobile", "vin", "ro_number", "opened_at", "total_amount", ""]
        )
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("archive:import_mapping", args=[batch.pk]), {**columns, "save_mapping": "1"})
    # then the import ran in the worker and the batch page shows counts and the rejected row
    assert response["Location"] == reverse("archive:import_detail", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE, batch.error
    assert batch.file.name.startswith("imports/")
    assert Customer.objects.filter(store=store).count() == 1
    assert RepairOrder.objects.get().number == "RO001"
    assert ImportMapping.objects.get(store=store).columns["备注"] == ""
    page = client.get(response["Location"]).content.decode()
    assert "RO001" not in page  # the rejection table shows the bad row, not the good one
    assert "12345" in page and ">3<" in page
    assert reverse("archive:import_rejections_csv", args=[batch.pk]) in page


@pytest.mark.django_db
def test_the_mapping_screen_names_a_missing_required_column_and_does_not_start_without_it(client, store, specialist):
    # given an uploaded export whose VIN column the user set to "ignore"
    login(client, specialist)
    upload(client, store)
    batch = ImportBatch.objects.get()
    url = reverse("archive:import_mapping", args=[batch.pk])
    assert 'id="missing-columns"' not in client.get(url).content.decode()  # every required column is recognised
    fields = ["customer_code", "customer_name", "mobile", "", "ro_number", "opened_at", "total_amount", ""]
    columns = {f"col_{i}": field for i, field in enumerate(fields)}
    # when the user confirms the columns
    response = client.post(url, columns)
    # then the import does not start: the screen stays, with the ignored column kept and the missing field named
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="missing-columns"' in page and "VIN" in page
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PENDING
    # and once the VIN column is chosen again, it starts
    columns["col_3"] = "vin"
    assert client.post(url, columns)["Location"] == reverse("archive:import_detail", args=[batch.pk])


@pytest.mark.django_db
def test_running_batch_page_polls_its_progress(client, store, specialist):
    # given a batch that is still running
    login(client, specialist)
    batch = ImportBatch.objects.create(store=store, filename="big.csv", status=ImportStatus.RUNNING)
    # when
    page = client.get(reverse("archive:import_detail", args=[batch.pk])).content.decode()
    partial = client.get(reverse("archive:import_progress", args=[batch.pk]))
    # then
    assert 'hx-trigger="every 1s"' in page
    assert 'class="progress"' in partial.content.decode()


@pytest.mark.django_db
def test_finished_batch_stops_the_polling(client, store, specialist):
    # given
    login(client, specialist)
    batch = ImportBatch.objects.create(store=store, filename="a.csv", status=ImportStatus.DONE)
    # when
    response = client.get(reverse("archive:import_progress", args=[batch.pk]))
    # then
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_dry_run_from_the_web_writes_nothing(
    client, store, specialist, immediate_tasks, django_capture_on_commit_callbacks
):
    # given a saved mapping, so the column page is already filled in
    login(client, specialist)
    import_mapping_save(store=store, columns={"备注": ""})
    upload(client, store, mode="dry_run")
    batch = ImportBatch.objects.get()
    # when the columns are confirmed as proposed
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("archive:import_mapping", args=[batch.pk]),
            {
                f"col_{i}": f
                for i, f in enumerate(
                    ["customer_code", "customer_name", "mobile", "vin", "ro_number", "opened_at", "total_amount", ""]
                )
            },
        )
    # then
    batch.refresh_from_db()
    assert batch.dry_run and batch.counts["repair_order"]["created"] == 1
    assert RepairOrder.objects.count() == 0


@pytest.mark.django_db
def test_user_of_another_store_gets_404_on_every_batch_url(client, store, outsider):
    # given
    batch = ImportBatch.objects.create(store=store, filename="a.csv", status=ImportStatus.DONE)
    login(client, outsider)
    # when / then
    for name in (
        "import_detail",
        "import_mapping",
        "import_progress",
        "import_rejections_csv",
        "import_rejections_xlsx",
    ):
        assert client.get(reverse(f"archive:{name}", args=[batch.pk])).status_code == 404, name
    assert "a.csv" not in client.get(reverse("archive:import_list")).content.decode()


@pytest.mark.django_db
def test_outsider_cannot_upload_into_another_store(client, store, outsider):
    # given
    login(client, outsider)
    # when
    response = upload(client, store)
    # then
    assert response.status_code == 422
    assert ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_rejections_download_as_csv_that_excel_opens(client, store, specialist, tmp_path):
    # given a finished batch with one rejected row
    login(client, specialist)
    batch = ImportBatch.objects.create(store=store, filename="a.csv", status=ImportStatus.DONE, rows_rejected=1)
    batch.rejections.create(row_number=3, field="手机", value="12345", reason="不是有效的电话号码 / not a phone number")
    # when
    response = client.get(reverse("archive:import_rejections_csv", args=[batch.pk]))
    # then
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(body.decode("utf-8-sig").splitlines()))
    assert rows[1] == ["", "3", "已拒绝", "手机", "12345", "不是有效的电话号码 / not a phone number"]
    assert 'filename="import-' in response["Content-Disposition"]


@pytest.mark.django_db
def test_mapping_page_names_the_contact_columns_under_a_merged_group(client, store, specialist):
    # given the 星云 export (two-row header, 联系人 over 姓名/电话) uploaded for a dry run
    from pathlib import Path

    login(client, specialist)
    data = (Path(__file__).resolve().parent.parent / "data" / "dms" / "xingyun_ro_detail.xlsx").read_bytes()
    upload = SimpleUploadedFile("xingyun.xlsx", data)
    response = client.post(reverse("archive:import_upload"), {"store": store.pk, "file": upload, "mode": "dry_run"})
    # when
    page = client.get(response["Location"]).content.decode()
    # then the contact's columns are offered as the fleet contact's, not as the customer's name and mobile
    assert "联系人 姓名" in page and "联系人 电话" in page
    assert '<option value="manager_name" selected' in page
    assert '<option value="manager_phone" selected' in page
