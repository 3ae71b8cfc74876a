from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("<int:store_id>/days/", views.store_days, name="days"),
    path("<int:store_id>/days/delete/", views.store_day_delete, name="day_delete"),
]
