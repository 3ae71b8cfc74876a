from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("settings/", views.settings_index, name="settings_index"),
    path("settings/<int:store_id>/", views.policy_edit, name="settings"),
    # Public (no login): the customer's link. `token` is signed; see tokens.py.
    path("<str:token>/", views.answer, name="answer"),
    path("<str:token>/thanks/", views.thanks, name="thanks"),
]
