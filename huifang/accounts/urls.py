from django.urls import path

from . import views_setup

app_name = "accounts"

urlpatterns = [
    path("stores/", views_setup.store_list, name="store_list"),
    path("stores/new/", views_setup.store_create, name="store_create"),
    path("stores/<int:store_id>/", views_setup.store_detail, name="store_detail"),
    path("stores/<int:store_id>/invite/", views_setup.invitation_create, name="invitation_create"),
    path("dms-columns/", views_setup.dms_columns, name="dms_columns"),
    path("invite/<str:key>/", views_setup.invitation_accept, name="invitation_accept"),
]
