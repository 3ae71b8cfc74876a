from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("kpis/", views.kpis, name="kpis"),
    path("css/", views.css, name="css"),
    path("<int:store_id>/monthly/", views.monthly, name="monthly"),
    path("<int:store_id>/monthly.pdf", views.monthly_pdf, name="monthly_pdf"),
    path("<int:store_id>/monthly.xlsx", views.monthly_xlsx, name="monthly_xlsx"),
    path("<int:store_id>/pdca/", views.pdca, name="pdca"),
    path("pdca/<int:entry_id>/", views.pdca_entry, name="pdca_entry"),
    path("<int:store_id>/targets/", views.targets, name="targets"),
    path("<int:store_id>/benchmarks/", views.benchmarks, name="benchmarks"),
    path("<int:store_id>/staff/", views.staff, name="staff"),
    path("<int:store_id>/audits/sample/", views.audit_sample, name="audit_sample"),
    path("audits/<int:audit_id>/", views.audit_edit, name="audit_edit"),
]
