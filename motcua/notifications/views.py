"""Staff page action: send a failed notification again (services.resend)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from motcua.core.errors import DomainError
from motcua.core.views import post_only

from . import services
from .models import Outbox


def _back(request, pk: int) -> str:
    """The dossier page of the notification, when the user may resend it; else the inbox."""
    row = Outbox.objects.filter(pk=pk).select_related("dossier").first()
    if row is not None and row.dossier_id and services.may_resend(request.user, row.dossier):
        return reverse("dossiers:detail", kwargs={"code": row.dossier.code})
    return reverse("dossiers:inbox")


@login_required
@post_only(_back)
def resend(request, pk: int):
    try:
        row = services.resend(pk=pk, user=request.user)
    except DomainError as exc:
        row = Outbox.objects.filter(pk=pk).select_related("dossier").first()
        readable = row is not None and row.dossier_id and services.may_resend(request.user, row.dossier)
        ctx = {"error": exc, "dossier": row.dossier if readable else None}
        return render(request, "notifications/error.html", ctx, status=exc.status)
    messages.success(request, _("Đã đưa thông báo vào hàng gửi lại: %(to)s.") % {"to": row.recipient})
    return redirect("dossiers:detail", code=row.dossier.code)
