from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "huifang.operations"
    label = "operations"
    verbose_name = "日常运营 / Everyday operations"

    def ready(self) -> None:
        # Registers the customer 360 timeline source of car-club sign-ups.
        from . import timeline  # noqa: F401
