from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("bell/", views.bell, name="bell"),
    path("read-all/", views.notifications_read_all, name="read_all"),
    path("<int:notification_id>/read/", views.notification_read, name="read"),
]
