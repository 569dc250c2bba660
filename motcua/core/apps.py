from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "motcua.core"
    verbose_name = "Hệ thống"

    def ready(self):
        from . import refcache

        refcache.connect_signals()
        post_migrate.connect(refcache.install_triggers, sender=self, dispatch_uid="refcache-triggers")
