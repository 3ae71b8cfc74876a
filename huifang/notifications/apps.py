from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "huifang.notifications"
    label = "notifications"
    verbose_name = "站内通知 / Notifications"
