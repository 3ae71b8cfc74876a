"""Exports elsewhere in the app reach the access log through privacy.access.export_logged."""

from django.urls import reverse

from huifang.archive.models import ImportBatch, ImportRejection
from huifang.audit.choices import AuditAction
from huifang.audit.models import AuditEntry

from ..factories import PASSWORD


def test_import_rejection_downloads_are_logged_and_listed(client, director, store):
    # given
    batch = ImportBatch.objects.create(store=store, filename="dms.csv", created_by=director)
    ImportRejection.objects.create(batch=batch, row_number=2, field="mobile", value="138", reason="无效")
    client.login(username=director.username, password=PASSWORD)
    # when
    for name in ("archive:import_rejections_csv", "archive:import_rejections_xlsx"):
        assert client.get(reverse(name, args=[batch.pk])).status_code == 200
    # then
    logged = AuditEntry.objects.filter(action=AuditAction.EXPORT, store=store, actor=director)
    assert sorted(e.changes["export"] for e in logged) == ["import_rejections_csv", "import_rejections_xlsx"]
    page = client.get(reverse("privacy:access_log"), {"action": AuditAction.EXPORT}).context["page"]
    assert page.paginator.count == 2
