"""The `motcua` console script: Django's management entry point."""

import os
import sys


def check_settings() -> None:
    """Load the settings first: a misconfiguration (a missing SECRET_KEY or MOTCUA_SITE_URL with DEBUG off, a bad
    MOTCUA_S3_* value…) stops the command with its message on one line, not a traceback through Django's loader."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018  (imports the settings module)
    except ImproperlyConfigured as exc:
        # the message names the variable in Vietnamese, then in English (settings.config_error)
        sys.stderr.write(f"motcua: lỗi cấu hình / configuration error: {exc}\n")
        raise SystemExit(2) from None


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    check_settings()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
