from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "huifang.followups"
    label = "followups"
    verbose_name = "回访与提醒 / Follow-ups"
