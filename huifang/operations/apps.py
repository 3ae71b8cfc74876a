from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "huifang.operations"
    label = "operations"
    verbose_name = "日常运营 / Everyday operations"
