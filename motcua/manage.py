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


def database_unreachable(exc: Exception) -> str | None:
    """One line for an OperationalError that is the database not answering (server down, wrong host or port,
    database not created, password refused), or None when the database answers (the error was something else).
    The URL's password is never repeated: the line names host, port and database from the settings."""
    from django.db import connection

    try:
        connection.close()
        connection.ensure_connection()
    except Exception:  # noqa: BLE001 — whatever the driver raises, the database cannot be reached
        pass
    else:
        return None
    db = connection.settings_dict
    where = (
        db["NAME"]
        if connection.vendor == "sqlite"
        else f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return (
        f"motcua: không kết nối được cơ sở dữ liệu {where} ({reason}); kiểm tra DATABASE_URL, máy chủ PostgreSQL "
        f"đã chạy và cơ sở dữ liệu đã được tạo (createdb) — cannot connect to the database {where} ({reason}); "
        "check DATABASE_URL, that the PostgreSQL server is running and that the database was created (createdb)"
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    check_settings()
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except OperationalError as exc:
        # `migrate` with DATABASE_URL naming a database not created yet, or a server that is down: one line
        # saying so, not forty lines of psycopg's traceback (--traceback still shows it)
        line = None if "--traceback" in sys.argv else database_unreachable(exc)
        if line is None:
            raise
        sys.stderr.write(line + "\n")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
