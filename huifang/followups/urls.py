from django.urls import path

from . import views

app_name = "followups"

urlpatterns = [
    path("", views.index, name="index"),
    path("stores/<int:store_id>/rules/", views.rule_list, name="rule_list"),
    path("stores/<int:store_id>/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("stores/<int:store_id>/overdue/", views.overdue_list, name="overdue_list"),
    path("stores/<int:store_id>/reassign/", views.tasks_reassign, name="tasks_reassign"),
]
