from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "huifang.core"
    label = "core"
