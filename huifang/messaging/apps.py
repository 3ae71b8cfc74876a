from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "huifang.messaging"
    label = "messaging"
    verbose_name = "消息 / Messaging"
