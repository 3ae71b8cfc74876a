from django.urls import path

from . import views, views_import

app_name = "appointments"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("book/", views.book, name="book"),
    path("settings/", views.settings, name="settings"),
    path("import/", views_import.appointment_import, name="import"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
]

# The customer's own page, public and signed (mounted at /a/ in huifang/urls.py).
public_urlpatterns = [
    path("<str:token>/", views.customer_link, name="customer_link"),
]
