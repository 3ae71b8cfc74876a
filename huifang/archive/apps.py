from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "huifang.archive"
    label = "archive"
    verbose_name = "顾客档案 / Customer archive"
