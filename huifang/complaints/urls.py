from django.urls import path

from . import views, views_import

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("import/", views_import.complaint_import, name="import"),
    path("regional/", views.regional, name="regional"),
    path("settings/", views.settings_index, name="settings"),
    path("settings/<int:store_id>/policy/", views.policy_edit, name="policy"),
    path("settings/<int:store_id>/reasons/", views.reason_list, name="reasons"),
    path("<int:complaint_id>/", views.complaint_detail, name="detail"),
    path("<int:complaint_id>/print/", views.complaint_print, name="print"),
    path("<int:complaint_id>/pdf/", views.complaint_pdf, name="pdf"),
    path("<int:complaint_id>/contact/", views.complaint_contact, name="contact"),
    path("<int:complaint_id>/action/", views.complaint_action, name="action"),
    path("<int:complaint_id>/status/", views.complaint_status, name="status"),
    path("<int:complaint_id>/assign/", views.complaint_assign, name="assign"),
    path("<int:complaint_id>/escalate/", views.complaint_escalate, name="escalate"),
    path("<int:complaint_id>/media-report/", views.complaint_media_report, name="media_report"),
    path("<int:complaint_id>/edit/", views.complaint_edit, name="edit"),
    path("<int:complaint_id>/attachments/", views.complaint_attach, name="attach"),
    path("<int:complaint_id>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("<int:complaint_id>/close/", views.complaint_close, name="close"),
    path("<int:complaint_id>/reopen/", views.complaint_reopen, name="reopen"),
]
