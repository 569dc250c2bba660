"""The one-stop unit's desks (quầy), who sits at them, and the tablets paired with them (ADR 0016, addendum on
desks).

A desk's tablet faces the applicant and shows the rating QR of the result the officer sitting at that desk has just
handed over (selectors.counter_display_dossier). Pairing happens once, on the tablet, by a one-stop officer of the
desk's agency: the tablet's browser then keeps a random key in a cookie and the officer is signed out there, so the
device holds no officer's session; the key opens the desk's screen and nothing else. Officers sit down at a desk
when their shift starts (sitting elsewhere leaves the previous desk), and the screen follows whoever sits there.

Writes are keyword-only and one transaction each; a refused one raises a DomainError and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.core.errors import Conflict, NotFound, PermissionDenied, Unprocessable
from motcua.core.text import check_text, nfc
from motcua.org.models import Agency, Role
from motcua.org.selectors import is_one_stop_officer, roles_of

from .models import CounterDesk, CounterDevice

DEVICE_COOKIE = "motcua_quay"
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
MAX_DESK_NUMBER = 999
MAX_LABEL = 100
# last_seen_at is written at most this often (the screen asks every few seconds)
SEEN_EVERY = dt.timedelta(minutes=1)


def desk_agencies(user) -> list[Agency]:
    """The agencies whose desks `user` manages and sits at: those where the user is a one-stop officer (for a
    superuser, every agency with one-stop officers)."""
    if not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:  # the agencies that have a one-stop desk staffed
        return list(Agency.objects.filter(staff_roles__role=Role.OFFICER).distinct().order_by("path"))
    seen: dict[int, Agency] = {}
    for role in roles_of(user):
        if role.role == Role.OFFICER:
            seen.setdefault(role.agency_id, role.agency)
    return sorted(seen.values(), key=lambda a: a.path)


def visible_desks(user):
    """The desks `user` may see and act on: those of the agencies where the user is a one-stop officer; every desk
    for a superuser."""
    qs = CounterDesk.objects.select_related("agency", "officer")
    if getattr(user, "is_superuser", False):
        return qs
    return qs.filter(agency__in=[a.pk for a in desk_agencies(user)])


def _check_officer(user, agency: Agency) -> None:
    if not is_one_stop_officer(user, agency):
        raise PermissionDenied(
            "Chỉ cán bộ Bộ phận Một cửa của cơ quan mới quản lý được quầy và màn hình đánh giá của cơ quan.",
            "Only a one-stop officer of the agency may manage its desks and their rating screens.",
        )


def _desk(pk, *, lock: bool = False) -> CounterDesk:
    qs = CounterDesk.objects.select_related("agency", "officer")
    if lock:
        qs = qs.select_for_update(of=("self",))
    desk = qs.filter(pk=pk).first() if str(pk).isdigit() else None
    if desk is None:
        raise NotFound("Không tìm thấy quầy.", "Desk not found.")
    return desk


def _number(value) -> int:
    """A desk number typed in a form: a whole number from 1 to MAX_DESK_NUMBER, else a 422."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= MAX_DESK_NUMBER:
        raise Unprocessable(
            f"Số quầy phải là số nguyên từ 1 đến {MAX_DESK_NUMBER}.",
            f"The desk number must be a whole number from 1 to {MAX_DESK_NUMBER}.",
            code="bad_number",
        )
    return number


def _label(value) -> str:
    """A desk's label (the fields it serves, optional): NFC, trimmed, at most MAX_LABEL characters, else a 422."""
    if isinstance(value, str):
        check_text(value, "Tên quầy", "The desk's label")
    label = nfc(value).strip() if isinstance(value, str) else ""
    if len(label) > MAX_LABEL:
        raise Unprocessable(
            f"Lĩnh vực, ghi chú của quầy dài quá {MAX_LABEL} ký tự.",
            f"The desk's label is longer than {MAX_LABEL} characters.",
            code="too_long",
        )
    return label


def _duplicate(number: int) -> Conflict:
    return Conflict(
        f"Cơ quan đã có quầy số {number}.",
        f"The agency already has desk number {number}.",
        code="duplicate",
    )


def desk_create(*, actor, agency: Agency, number, label: str = "") -> CounterDesk:
    """A new desk of `agency`, numbered `number` (1–999, unique within the agency), with an optional label (the
    fields it serves)."""
    _check_officer(actor, agency)
    number, label = _number(number), _label(label)
    try:
        with transaction.atomic():
            return CounterDesk.objects.create(agency=agency, number=number, label=label)
    except IntegrityError:
        raise _duplicate(number) from None


def desk_get(*, actor, desk_id) -> CounterDesk:
    """The desk `actor` may manage (404 unknown, 403 another agency's)."""
    desk = _desk(desk_id)
    _check_officer(actor, desk.agency)
    return desk


def desk_update(*, actor, desk_id, number, label: str = "") -> CounterDesk:
    """Rename a desk (its label, which may be emptied) or renumber it (1–999, unique within the agency). Whoever
    sits there stays, and its tablets show the new number and label at their next look."""
    with transaction.atomic():
        desk = _desk(desk_id, lock=True)
        _check_officer(actor, desk.agency)
        number, label = _number(number), _label(label)
        if (number, label) == (desk.number, desk.label):
            return desk
        if CounterDesk.objects.filter(agency=desk.agency, number=number).exclude(pk=desk.pk).exists():
            raise _duplicate(number)
        desk.number, desk.label = number, label
        try:
            with transaction.atomic():
                desk.save(update_fields=["number", "label"])
        except IntegrityError:  # another officer took the number meanwhile
            raise _duplicate(number) from None
        return desk


def desk_deletable(desk: CounterDesk) -> bool:
    """True if the desk was never used: no officer ever sat there and no tablet was ever paired with it (so no
    result was handed over at it)."""
    return not desk.used and desk.officer_id is None and not desk.devices.exists()


def desk_delete(*, actor, desk_id) -> CounterDesk:
    """Delete a desk added by mistake. Refused (409) once it was used — an officer sat there or a tablet was
    paired with it: such a desk can only be closed, so what happened at it stays readable."""
    with transaction.atomic():
        desk = _desk(desk_id, lock=True)
        _check_officer(actor, desk.agency)
        if not desk_deletable(desk):
            raise Conflict(
                f"Quầy số {desk.number} đã được dùng (đã có cán bộ ngồi quầy hoặc đã gắn màn hình đánh giá) nên "
                "không xóa được; nếu không dùng quầy này nữa, hãy đóng quầy.",
                f"Desk no. {desk.number} has been used (an officer sat there or a rating screen was paired with "
                "it), so it cannot be deleted; if it is no longer needed, close it instead.",
                code="desk_used",
            )
        desk.delete()
        return desk


def desk_set_active(*, actor, desk_id, active: bool) -> CounterDesk:
    """Close a desk (nobody sits there; its tablets show that it is closed) or open it again."""
    with transaction.atomic():
        desk = _desk(desk_id, lock=True)
        _check_officer(actor, desk.agency)
        desk.active = bool(active)
        if not desk.active:
            desk.officer, desk.seated_at = None, None
        desk.save(update_fields=["active", "officer", "seated_at"])
        return desk


def desk_sit(*, actor, desk_id, at: dt.datetime | None = None) -> tuple[CounterDesk, object | None]:
    """`actor` sits at the desk from now on, leaving any other desk. Whoever sat there before (who forgot to leave
    at the end of a shift) is unseated: returned second, so the page can say so."""
    at = at or timezone.now()
    with transaction.atomic():
        desk = _desk(desk_id, lock=True)
        _check_officer(actor, desk.agency)
        if not desk.active:
            raise Conflict(
                "Quầy này đang đóng; hãy mở lại quầy trước khi ngồi quầy.",
                "This desk is closed; open it again before sitting at it.",
                code="desk_closed",
            )
        previous = desk.officer if desk.officer_id not in (None, actor.pk) else None
        CounterDesk.objects.filter(officer=actor).exclude(pk=desk.pk).update(officer=None, seated_at=None)
        if desk.officer_id != actor.pk:
            desk.officer, desk.seated_at, desk.used = actor, at, True
            desk.save(update_fields=["officer", "seated_at", "used"])
        return desk, previous


def desk_leave(*, actor) -> int:
    """`actor` leaves the desk they sit at (if any); the desk's tablet shows its welcome until someone sits down."""
    with transaction.atomic():
        return CounterDesk.objects.filter(officer=actor).update(officer=None, seated_at=None)


def seat_of(user) -> CounterDesk | None:
    """The desk `user` sits at now, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return CounterDesk.objects.select_related("agency").filter(officer=user).first()


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def device_pair(
    *, actor, desk_id, user_agent: str = "", replacing_key=None, at: dt.datetime | None = None
) -> tuple[CounterDevice, str]:
    """Pair a tablet with the desk: a new device with a random key, returned second, to be kept in the tablet's
    cookie (only its hash is stored). A browser keeps one key: the device of `replacing_key` (the key the tablet
    held before, paired with this desk or another) is revoked."""
    at = at or timezone.now()
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        desk = _desk(desk_id, lock=True)
        _check_officer(actor, desk.agency)
        if not desk.used:
            desk.used = True
            desk.save(update_fields=["used"])
        device = CounterDevice.objects.create(
            desk=desk,
            key_hash=_hash(key),
            paired_by=actor,
            paired_at=at,
            user_agent=nfc(str(user_agent or ""))[:200],
        )
        previous = device_for_key(replacing_key)
        if previous is not None:
            CounterDevice.objects.filter(pk=previous.pk).update(revoked_at=at, revoked_by=actor)
    return device, key


def device_for_key(key) -> CounterDevice | None:
    """The paired, not revoked device holding `key` (the tablet's cookie), with its desk; else None."""
    if not isinstance(key, str) or not 20 <= len(key) <= 100:
        return None
    return (
        CounterDevice.objects.select_related("desk__agency", "desk__officer")
        .filter(key_hash=_hash(key), revoked_at__isnull=True)
        .first()
    )


def device_seen(device: CounterDevice, at: dt.datetime | None = None) -> None:
    """Record that the tablet asked for its screen (at most once a minute, so a screen asking every few seconds
    does not write each time): the desks page shows when each tablet was last seen."""
    at = at or timezone.now()
    if device.last_seen_at is None or at - device.last_seen_at >= SEEN_EVERY:
        CounterDevice.objects.filter(pk=device.pk).update(last_seen_at=at)
        device.last_seen_at = at


def device_revoke(*, actor, device_id, at: dt.datetime | None = None) -> CounterDevice:
    """Unpair a tablet (lost, replaced, moved): its key opens nothing any more."""
    with transaction.atomic():
        device = (
            CounterDevice.objects.select_for_update(of=("self",))
            .select_related("desk__agency")
            .filter(pk=device_id if str(device_id).isdigit() else None)
            .first()
        )
        if device is None:
            raise NotFound("Không tìm thấy màn hình đã gắn.", "Paired screen not found.")
        _check_officer(actor, device.desk.agency)
        if device.revoked_at is None:
            device.revoked_at, device.revoked_by = at or timezone.now(), actor
            device.save(update_fields=["revoked_at", "revoked_by"])
        return device
