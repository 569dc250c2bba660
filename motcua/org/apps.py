from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "motcua.org"
    verbose_name = "Tổ chức"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from . import throttle

        user_login_failed.connect(throttle.on_login_failed, dispatch_uid="motcua_org_login_failed")
        user_logged_in.connect(throttle.on_logged_in, dispatch_uid="motcua_org_logged_in")

        from django.db.models.signals import pre_delete

        from .models import Unit
        from .services import drop_roles_a_unit_deletion_would_duplicate

        pre_delete.connect(
            drop_roles_a_unit_deletion_would_duplicate, sender=Unit, dispatch_uid="motcua_org_unit_roles"
        )
