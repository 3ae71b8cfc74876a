from django.urls import path

from . import views

urlpatterns = [
    path("customers/", views.customer_search, name="customer_search"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/reveal/<str:field>/", views.phone_reveal, name="phone_reveal"),
    path(
        "customers/<int:pk>/contacts/<int:contact_id>/reveal/",
        views.contact_phone_reveal,
        name="contact_phone_reveal",
    ),
    path("vehicles/<int:pk>/", views.vehicle_detail, name="vehicle_detail"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/merge/", views.customers_merge, name="customers_merge"),
    path("statistics/", views.statistics, name="statistics"),
]
