from django.urls import path

from . import views

urlpatterns = [
    path("customers/", views.customer_search, name="customer_search"),
    path("statistics/", views.statistics, name="statistics"),
]
