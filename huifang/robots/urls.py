from django.urls import path

from . import views

app_name = "robots"

urlpatterns = [
    path("", views.settings_index, name="settings_index"),
    path("stores/<int:store_id>/", views.settings_edit, name="settings"),
    path("stores/<int:store_id>/test/", views.send_test, name="send_test"),
]
