from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_summary_triggers(sender, using="default", verbosity=1, **kwargs):
    from django.db import connections

    from . import summary

    summary.ensure_triggers(connections[using], verbosity=verbosity)
    summary.clear_if_no_dossiers(connections[using])  # post_migrate also follows every flush


class ReportsConfig(AppConfig):
    name = "motcua.reports"
    verbose_name = "Báo cáo thống kê"

    def ready(self):
        # After every migrate: a migration that remakes the dossier table on SQLite drops its triggers (ADR 0017).
        post_migrate.connect(
            _ensure_summary_triggers, sender=self, dispatch_uid="motcua.reports.summary_triggers"
        )
