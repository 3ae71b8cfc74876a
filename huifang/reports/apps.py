from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "huifang.reports"
    label = "reports"
    verbose_name = "报表 / Reports"
