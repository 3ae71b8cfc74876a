"""DMS import of the marketing consent column: consent records in the same run, only when the DMS changes it."""

import pytest

from huifang.archive.choices import ImportStatus
from huifang.archive.importing.services import dms_import_file
from huifang.archive.models import Customer
from huifang.audit.models import AuditEntry
from huifang.core import clock
from huifang.messaging import consent
from huifang.messaging.choices import ConsentChannel, ConsentSource, ConsentState
from huifang.messaging.models import ConsentRecord

from .test_import_service import HEADERS_ZH, ROWS, write_csv

pytestmark = pytest.mark.django_db


def rows_with_consent(zhang: str, li: str) -> list[list[str]]:
    """The sample export with an 接受营销信息 column: 张三 (C001, two rows) and 李四 (C002)."""
    return [[*row, zhang if row[0] == "C001" else li] for row in ROWS]


def imported(store, tmp_path, zhang: str, li: str, name="dms.csv"):
    path = write_csv(tmp_path / name, [*HEADERS_ZH, "接受营销信息"], rows_with_consent(zhang, li))
    batch = dms_import_file(store=store, path=path)
    assert batch.status == ImportStatus.DONE, batch.error
    return batch


def test_import_records_consent_for_every_channel(store, tmp_path):
    # when
    imported(store, tmp_path, "是", "否")
    # then
    zhang, li = Customer.objects.get(dms_code="C001"), Customer.objects.get(dms_code="C002")
    for customer, state in ((zhang, ConsentState.GRANTED), (li, ConsentState.WITHDRAWN)):
        rows = ConsentRecord.objects.filter(customer=customer)
        assert sorted(rows.values_list("channel", flat=True)) == sorted(ConsentChannel.values)
        assert set(rows.values_list("state", "source", "purpose")) == {(state, ConsentSource.DMS_IMPORT, "marketing")}
    assert zhang.marketing_consent is True and li.marketing_consent is False
    assert consent.consent_given(customer=zhang, channel="sms", purpose="marketing") is True
    assert consent.consent_given(customer=li, channel="email", purpose="marketing") is False
    assert AuditEntry.objects.filter(content_type__model="consentrecord").count() == 8


def test_reimport_of_the_same_file_writes_nothing(store, tmp_path):
    # given
    imported(store, tmp_path, "是", "否")
    before = ConsentRecord.objects.count()
    # when
    imported(store, tmp_path, "是", "否", name="again.csv")
    # then
    assert ConsentRecord.objects.count() == before == 8


def _unsubscribe_sms_marketing(customer) -> None:
    """The customer withdraws SMS marketing on the web unsubscribe page (a source other than the DMS)."""
    consent.consent_record(
        customer=customer,
        channel="sms",
        purpose="marketing",
        state=ConsentState.WITHDRAWN,
        source=ConsentSource.UNSUBSCRIBE_PAGE,
        now=clock.now(),
    )


def test_reimport_writes_only_where_the_dms_value_changed(store, tmp_path):
    # given
    imported(store, tmp_path, "是", "否")
    # when: 李四 now consents in the DMS
    imported(store, tmp_path, "是", "是", name="changed.csv")
    # then
    li = Customer.objects.get(dms_code="C002")
    latest = ConsentRecord.objects.filter(customer=li).order_by("-pk")[:4]
    assert ConsentRecord.objects.count() == 12
    assert {r.state for r in latest} == {ConsentState.GRANTED}
    assert li.marketing_consent is True


def test_unchanged_dms_value_does_not_undo_a_later_unsubscribe(store, tmp_path):
    # given: imported with consent, then the customer unsubscribed SMS marketing
    imported(store, tmp_path, "是", "否")
    zhang = Customer.objects.get(dms_code="C001")
    _unsubscribe_sms_marketing(zhang)
    # when: the same DMS export comes in again
    imported(store, tmp_path, "是", "否", name="again.csv")
    # then
    assert consent.consent_given(customer=zhang, channel="sms", purpose="marketing") is False


def test_file_without_the_column_records_no_consent(store, tmp_path):
    path = write_csv(tmp_path / "plain.csv", HEADERS_ZH, ROWS)
    assert dms_import_file(store=store, path=path).status == ImportStatus.DONE
    assert not ConsentRecord.objects.exists()


def test_consent_audit_rows_name_the_import(store, tmp_path):
    batch = imported(store, tmp_path, "是", "否")
    sources = set(AuditEntry.objects.filter(content_type__model="consentrecord").values_list("source", flat=True))
    assert sources == {f"import #{batch.pk}"}


def test_summary_flag_follows_the_latest_record_of_every_source(store, tmp_path):
    """The import works the flag out from the records in hand; it must agree with the SQL rule (_summary_sync)."""
    # given: 张三 consents in the DMS, then unsubscribes SMS marketing on the web page
    imported(store, tmp_path, "是", "否")
    zhang = Customer.objects.get(dms_code="C001")
    _unsubscribe_sms_marketing(zhang)
    zhang.refresh_from_db()
    assert zhang.marketing_consent is True  # still granted on phone, email and letter
    for dms_value, expected in (("否", False), ("是", True)):
        # when: the DMS changes its value
        imported(store, tmp_path, dms_value, "否", name=f"{dms_value}.csv")
        # then
        zhang.refresh_from_db()
        assert zhang.marketing_consent is expected
        consent._summary_sync(customer_ids=[zhang.pk])
        zhang.refresh_from_db()
        assert zhang.marketing_consent is expected
