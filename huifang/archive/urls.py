from django.urls import path

from . import views

app_name = "archive"

urlpatterns = [
    path("customers/", views.customer_search, name="customer_search"),
    path("statistics/", views.statistics, name="statistics"),
    path("imports/", views.import_list, name="import_list"),
]
