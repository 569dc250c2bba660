"""Staff page action: send a failed notification again (services.resend)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motcua.core.errors import DomainError

from . import services
from .models import Outbox


@login_required
@require_POST
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
