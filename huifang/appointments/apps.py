from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "huifang.appointments"
    label = "appointments"
    verbose_name = "预约 / Appointments"
