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
    from django.core.checks import Error, Warning

    from .sms import DISABLED_ADAPTER

    path = settings.MOTCUA_SMS_ADAPTER
    if path != DISABLED_ADAPTER:
        # a misspelt path would only fail at the first text message, each then retried and failed in the outbox
        from django.utils.module_loading import import_string

        try:
            adapter = import_string(path)
        except ImportError as exc:
            problem = f"cannot be imported ({exc})"
        else:
            if callable(getattr(adapter, "send", None)):
                return []
            problem = "has no send(to=, body=) method"
        return [
            Error(
                f"MOTCUA_SMS_ADAPTER={path!r} không dùng được: không nạp được lớp này hoặc lớp không có phương "
                f"thức send(to=, body=); tin nhắn sẽ không gửi được. / MOTCUA_SMS_ADAPTER={path!r} {problem}: "
                "no text message could be sent.",
                hint="Ghi đường dẫn có dấu chấm tới lớp của nhà cung cấp, ví dụ "
                "motcua.notifications.sms.ConsoleAdapter (motcua/notifications/sms.py). / Give the dotted path of "
                "the provider's adapter class, e.g. motcua.notifications.sms.ConsoleAdapter.",
                id="motcua.E001",
            )
        ]

    return [
        Warning(
            "Chưa cấu hình nhà cung cấp SMS (MOTCUA_SMS_ADAPTER): tin nhắn không được gửi, mỗi tin được ghi là gửi "
            "lỗi trên trang hồ sơ của cán bộ. / No SMS provider is configured (MOTCUA_SMS_ADAPTER): text messages "
            "are not sent; each is recorded as failed on the staff dossier page.",
            hint="Đặt MOTCUA_SMS_ADAPTER là lớp kết nối của nhà cung cấp (motcua/notifications/sms.py). / Set "
            "MOTCUA_SMS_ADAPTER to your provider's adapter (motcua/notifications/sms.py).",
            id="motcua.W001",
        )
    ]
