from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "huifang.board"
    label = "board"
    verbose_name = "团队看板 / Team board"
