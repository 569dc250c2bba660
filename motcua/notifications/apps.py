from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "motcua.notifications"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        from django.core import checks

        from . import signals  # noqa: F401 — connects the DossierEvent listener

        checks.register(sms_provider_check)


def sms_provider_check(app_configs=None, **kwargs):
    """`migrate`, `check` and the development server say it when text messages cannot go out."""
    from django.conf import settings

    from .sms import DISABLED_ADAPTER

    if settings.MOTCUA_SMS_ADAPTER != DISABLED_ADAPTER:
        return []
    from django.core.checks import Warning

    return [
        Warning(
            "No SMS provider is configured (MOTCUA_SMS_ADAPTER): text messages are not sent; each is recorded as "
            "failed on the staff dossier page.",
            hint="Set MOTCUA_SMS_ADAPTER to your provider's adapter (motcua/notifications/sms.py).",
            id="motcua.W001",
        )
    ]
