from django.apps import AppConfig


class RobotsConfig(AppConfig):
    name = "huifang.robots"
    label = "robots"
    verbose_name = "工作群机器人 / Work-group robots"
