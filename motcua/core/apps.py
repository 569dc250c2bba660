from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "motcua.core"
    verbose_name = "Hệ thống"

    def ready(self):
        from django.core import checks

        from . import refcache

        checks.register(unused_s3_settings_check)
        refcache.connect_signals()
        post_migrate.connect(refcache.install_triggers, sender=self, dispatch_uid="refcache-triggers")


def unused_s3_settings_check(app_configs=None, **kwargs):
    """MOTCUA_S3_* set without MOTCUA_STORAGE=s3: the files go to MEDIA_ROOT, which is rarely what was meant.
    Shown by `check`, `migrate` (so `make serve`) and the development server."""
    import os

    from django.core.checks import Warning

    from .storage import unused_s3_settings

    unused = unused_s3_settings(os.environ)
    if not unused:
        return []
    return [
        Warning(
            f"{', '.join(unused)} set but MOTCUA_STORAGE is not 's3': uploads are kept on the filesystem "
            "under MEDIA_ROOT and these variables are ignored.",
            hint="Set MOTCUA_STORAGE=s3 to use the object store, or remove the MOTCUA_S3_* variables.",
            id="motcua.W002",
        )
    ]
