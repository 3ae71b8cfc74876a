from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "huifang.complaints"
    label = "complaints"
    verbose_name = "投诉 / Complaints"

    def ready(self) -> None:
        # Registers the customer 360 timeline source of complaints.
        from . import timeline  # noqa: F401
