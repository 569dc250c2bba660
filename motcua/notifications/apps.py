from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "motcua.notifications"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        from . import signals  # noqa: F401 — connects the DossierEvent listener
