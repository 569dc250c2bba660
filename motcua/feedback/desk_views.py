"""Web pages of the one-stop unit's desks (feedback.desks): the staff page where officers add desks, sit down and
leave, and pair or unpair the desks' tablets; a desk's page where its number and label are changed and a desk never
used is deleted; the step that says what pairing does before it is done; and the screen a paired tablet shows,
with no officer signed in."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from motcua.core.errors import DomainError, PermissionDenied
from motcua.core.text import identifier_form
from motcua.core.views import post_only
from motcua.org.models import Agency
from motcua.org.selectors import is_one_stop_officer

from . import desks
from .models import CounterDevice
from .views import counter_screen


def _page(request, *, error: DomainError | None = None, form: dict | None = None):
    """The desks page: the agencies' desks with who sits where and their tablets, the officer's own seat, and
    the forms. `error` (a refused action) is shown with its status."""
    title = _("Quầy tiếp nhận và màn hình đánh giá")
    user = request.user
    if not is_one_stop_officer(user):
        error = PermissionDenied(
            "Chỉ cán bộ Bộ phận Một cửa mới quản lý được quầy và màn hình đánh giá tại quầy.",
            "Only one-stop officers may manage the desks and their rating screens.",
        )
        return render(request, "feedback/error.html", {"title": title, "error": error}, status=403)
    rows = list(desks.visible_desks(user))
    devices: dict[int, list] = {}
    for device in CounterDevice.objects.filter(desk__in=rows, revoked_at__isnull=True).select_related(
        "paired_by"
    ):
        devices.setdefault(device.desk_id, []).append(device)
    for desk in rows:
        desk.active_devices = devices.get(desk.pk, [])
    this_device = desks.device_for_key(request.COOKIES.get(desks.DEVICE_COOKIE))
    ctx = {
        "title": title,
        "desks": rows,
        "seat": desks.seat_of(user),
        "agencies": desks.desk_agencies(user),
        "this_device": this_device,
        "error": error,
        "form": form or {},
        "max_number": desks.MAX_DESK_NUMBER,
        "max_label": desks.MAX_LABEL,
    }
    return render(request, "feedback/desks.html", ctx, status=error.status if error else 200)


def _desk_page(request, desk, *, form: dict | None = None, error: DomainError | None = None):
    """A desk's page: its number and label to change, and deleting it if it was never used (else why not)."""
    ctx = {
        "title": _("Sửa %(desk)s") % {"desk": desk},
        "desk": desk,
        "form": form or {"number": str(desk.number), "label": desk.label},
        "deletable": desks.desk_deletable(desk),
        "error": error,
        "max_number": desks.MAX_DESK_NUMBER,
        "max_label": desks.MAX_LABEL,
    }
    return render(request, "feedback/desk_edit.html", ctx, status=error.status if error else 200)


def _back_to_desks(request, *args, **kwargs) -> str:
    return reverse("feedback:desks")


def _done(request, text: str):
    messages.success(request, text)
    return redirect("feedback:desks")


@login_required
@require_GET
def desk_list(request):
    return _page(request)


@login_required
@post_only(_back_to_desks)
def desk_create(request):
    form = {k: request.POST.get(k, "") for k in ("agency", "number", "label")}
    try:
        agency = Agency.objects.filter(identifier=identifier_form(form["agency"][:50])).first()
        if agency is None:
            raise DomainError(_("Hãy chọn cơ quan của quầy."), "Choose the desk's agency.", status=422)
        desk = desks.desk_create(
            actor=request.user, agency=agency, number=form["number"], label=form["label"]
        )
    except DomainError as exc:
        return _page(request, error=exc, form=form)
    return _done(request, _("Đã thêm %(desk)s.") % {"desk": desk})


@login_required
@post_only(_back_to_desks)
def desk_sit(request, pk: int):
    try:
        desk, previous = desks.desk_sit(actor=request.user, desk_id=pk)
    except DomainError as exc:
        return _page(request, error=exc)
    # each sentence filled on its own: a name holding "%" is text, not a placeholder of the other
    text = _("Bạn đang ngồi %(desk)s; màn hình của quầy hiện mã đánh giá các kết quả bạn trả tại quầy.") % {
        "desk": desk
    }
    if previous is not None:
        name = previous.get_full_name() or previous.get_username()
        text += " " + _("%(name)s không còn ngồi quầy này.") % {"name": name}
    return _done(request, text)


@login_required
@post_only(_back_to_desks)
def desk_leave(request):
    if desks.desk_leave(actor=request.user):
        return _done(request, _("Bạn đã rời quầy."))
    return _done(request, _("Bạn chưa ngồi quầy nào."))


@login_required
@post_only(_back_to_desks)
def desk_toggle(request, pk: int):
    active = request.POST.get("active") == "1"
    try:
        desk = desks.desk_set_active(actor=request.user, desk_id=pk, active=active)
    except DomainError as exc:
        return _page(request, error=exc)
    text = _("Đã mở lại %(desk)s.") if active else _("Đã đóng %(desk)s; màn hình của quầy báo quầy tạm nghỉ.")
    return _done(request, text % {"desk": desk})


@login_required
@require_http_methods(["GET", "POST"])
def desk_edit(request, pk: int):
    """Change a desk's number or label (GET: the form; POST: save). A refused change is shown on the form, with
    what was typed, and changes nothing."""
    try:
        desk = desks.desk_get(actor=request.user, desk_id=pk)
    except DomainError as exc:
        return _page(request, error=exc)
    if request.method == "GET":
        return _desk_page(request, desk)
    form = {k: request.POST.get(k, "") for k in ("number", "label")}
    try:
        desk = desks.desk_update(actor=request.user, desk_id=pk, number=form["number"], label=form["label"])
    except DomainError as exc:
        return _desk_page(request, desk, form=form, error=exc)
    return _done(request, _("Đã lưu %(desk)s.") % {"desk": desk})


@login_required
@post_only(_back_to_desks)
def desk_delete(request, pk: int):
    """Delete a desk never used; a used one is refused (409) on its page, which says to close it instead."""
    try:
        desk = desks.desk_delete(actor=request.user, desk_id=pk)
    except DomainError as exc:
        try:
            desk = desks.desk_get(actor=request.user, desk_id=pk)
        except DomainError:
            return _page(request, error=exc)
        return _desk_page(request, desk, error=exc)
    return _done(request, _("Đã xóa quầy số %(number)s.") % {"number": desk.number})


@login_required
@require_http_methods(["GET", "POST"])
def device_pair(request, pk: int):
    """Pair this browser (the desk's tablet) with the desk and sign the officer out of it: from now on it shows
    the desk's screen, holding only the desk's key. First (GET, or a post without `confirm`) a page says what will
    happen; pairing is its confirmed post."""
    if request.method == "GET" or request.POST.get("confirm") != "1":
        try:
            desk = desks.desk_get(actor=request.user, desk_id=pk)
        except DomainError as exc:
            return _page(request, error=exc)
        ctx = {
            "title": _("Dùng máy này làm màn hình của %(desk)s?") % {"desk": desk},
            "desk": desk,
            "this_device": desks.device_for_key(request.COOKIES.get(desks.DEVICE_COOKIE)),
        }
        return render(request, "feedback/desk_pair_confirm.html", ctx)
    try:
        device, key = desks.device_pair(
            actor=request.user,
            desk_id=pk,
            user_agent=request.headers.get("User-Agent", ""),
            replacing_key=request.COOKIES.get(desks.DEVICE_COOKIE),
        )
    except DomainError as exc:
        return _page(request, error=exc)
    logout(request)
    response = redirect("feedback:desk_screen")
    response.set_cookie(
        desks.DEVICE_COOKIE,
        key,
        max_age=desks.DEVICE_COOKIE_MAX_AGE,
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )
    return response


@login_required
@post_only(_back_to_desks)
def device_revoke(request, pk: int):
    try:
        device = desks.device_revoke(actor=request.user, device_id=pk)
    except DomainError as exc:
        return _page(request, error=exc)
    return _done(
        request,
        _("Đã gỡ màn hình khỏi %(desk)s; máy đó không mở được màn hình quầy nữa.") % {"desk": device.desk},
    )


@require_GET
def screen(request):
    """The screen of the desk this tablet is paired with (its cookie), for whoever sits at the desk now; a page
    that says how to pair it otherwise (403)."""
    device = desks.device_for_key(request.COOKIES.get(desks.DEVICE_COOKIE))
    title = _("Màn hình đánh giá tại quầy")
    if device is None:
        response = render(
            request,
            "feedback/desk_unpaired.html",
            {"title": title, "desks_url": reverse("feedback:desks")},
            status=403,
        )
        response["Cache-Control"] = "no-store"
        return response
    desks.device_seen(device)
    desk = device.desk
    return counter_screen(request, desk.officer if desk.active else None, title=title, desk=desk)
