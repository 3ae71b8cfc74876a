"""An erased customer stays erased: the next DMS export still holds them, the import refuses their rows."""

import pytest

from huifang.archive.choices import ImportStatus
from huifang.archive.importing.services import dms_import_file
from huifang.archive.models import Customer, ErasedIdentity, ImportRejection, RepairOrder
from huifang.privacy import services

from ..archive.test_import_service import HEADERS_ZH, ROWS, write_csv
from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_a_reimport_does_not_bring_an_erased_customer_back(store, director, tmp_path):
    # given the sample export imported, and 张三 (C001) erased on request
    path = write_csv(tmp_path / "dms.csv", HEADERS_ZH, ROWS)
    assert dms_import_file(store=store, path=path).status == ImportStatus.DONE
    zhang = Customer.objects.get(store=store, dms_code="C001")
    services.customer_erase(customer=zhang, reason="本人书面申请", actor=director, now=NOW)
    # when the same export comes again
    batch = dms_import_file(store=store, path=path)
    # then 张三's two rows are rejected with the reason, nothing of him is back, and 李四 is untouched
    assert batch.status == ImportStatus.DONE, batch.error
    assert batch.rows_rejected == 2
    reasons = set(ImportRejection.objects.filter(batch=batch).values_list("reason", "value"))
    assert reasons == {("该客户已应本人要求删除（个人信息保护），不再导入 / customer was erased on request (PIPL)", "")}
    assert not Customer.objects.filter(store=store, name="张三").exists()
    assert not Customer.objects.filter(store=store, mobile="+8613812345678").exists()
    assert RepairOrder.objects.filter(store=store, number="RO001").count() == 1  # the erased one, kept for KPIs
    assert Customer.objects.filter(store=store, dms_code="C002").count() == 1
    # and only digests were kept: no identifier in clear
    kept = list(ErasedIdentity.objects.values_list("kind", "digest"))
    assert {kind for kind, _digest in kept} == {"dms_code", "mobile_name"}
    assert not any("C001" in digest or "138" in digest for _kind, digest in kept)


def test_the_same_code_in_another_store_is_not_refused(store, other_store, director, tmp_path):
    path = write_csv(tmp_path / "dms.csv", HEADERS_ZH, ROWS)
    dms_import_file(store=store, path=path)
    services.customer_erase(
        customer=Customer.objects.get(store=store, dms_code="C001"), reason="申请", actor=director, now=NOW
    )
    batch = dms_import_file(store=other_store, path=path)
    assert (batch.status, batch.rows_rejected) == (ImportStatus.DONE, 0)
    assert Customer.objects.filter(store=other_store, dms_code="C001").exists()
