from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "motcua.workdays"
    verbose_name = "Lịch làm việc"
