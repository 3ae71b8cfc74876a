from django.urls import path

from . import views_effectiveness

app_name = "followups_effectiveness"

urlpatterns = [
    path("", views_effectiveness.effectiveness, name="effectiveness"),
]
