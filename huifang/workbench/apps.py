from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    name = "huifang.workbench"
    label = "workbench"
    verbose_name = "回访工作台 / Call workbench"

    def ready(self) -> None:
        # Registers the customer 360 timeline source of calls.
        from . import (
            selectors,  # noqa: F401
            store_settings,
        )

        store_settings.connect()
