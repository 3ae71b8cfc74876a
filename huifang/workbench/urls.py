from django.urls import path

from . import views, views_settings

app_name = "workbench"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("next/", views.next_task, name="next"),
    path("ping/", views.ping, name="ping"),
    path("reassign/", views.tasks_bulk_reassign, name="tasks_reassign"),
    path("tasks/<int:task_id>/", views.task_call, name="task"),
    path("tasks/<int:task_id>/survey-link/", views.survey_link, name="survey_link"),
    path("calls/<int:call_id>/", views.call_detail, name="call_detail"),
    path("calls/<int:call_id>/recording/", views.recording, name="recording"),
    path("problems/", views.problem_list, name="problems"),
    path("problems/<int:problem_id>/resolve/", views.problem_resolve, name="problem_resolve"),
    path("settings/", views_settings.settings_index, name="settings"),
    path("stores/<int:store_id>/questionnaire/", views_settings.questionnaire_edit, name="questionnaire"),
    path("stores/<int:store_id>/scripts/", views_settings.script_list, name="script_list"),
    path("stores/<int:store_id>/scripts/<int:script_id>/", views_settings.script_edit, name="script_edit"),
    path("stores/<int:store_id>/policy/", views_settings.policy_edit, name="policy"),
    path("stores/<int:store_id>/quiet-hours/", views_settings.quiet_hours_edit, name="quiet_hours"),
]
