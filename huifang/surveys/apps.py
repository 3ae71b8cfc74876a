from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "huifang.surveys"
    label = "surveys"
    verbose_name = "满意度问卷 / Surveys"
