from django.urls import path

from . import views

app_name = "board"

urlpatterns = [
    # Public (no login): the screen shows the board its signed cookie names, or "not paired".
    path("", views.board, name="index"),
    path("live/", views.live, name="live"),
    path("pair/", views.pair, name="pair"),
    path("pair/<str:token>/", views.pair, name="pair_code"),
    # The store manager's screens.
    path("settings/", views.settings_index, name="settings_index"),
    path("settings/<int:store_id>/", views.screens, name="screens"),
    path("settings/<int:store_id>/screens/<int:screen_id>/code/", views.screen_code, name="screen_code"),
    path("settings/<int:store_id>/screens/<int:screen_id>/revoke/", views.screen_revoke, name="screen_revoke"),
]
