"""Writes about agencies, units and staff roles. Keyword-only, typed, one transaction each.

Every function validates its input first and raises a `DomainError` (Vietnamese + English message) before
touching the database, so a refused call changes nothing.
"""

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from motcua.core.errors import Conflict, Unprocessable
from motcua.core.text import BadCharacters, check_chars, identifier_form, nfc

from .models import (
    AdministrativeKind,
    Agency,
    AgencyLevel,
    Role,
    StaffRole,
    Unit,
    UnitKind,
    agency_hours_errors,
    agency_structure_errors,
    jurisdiction_form,
    role_unit_problem,
    validate_identifier,
)

_EDITABLE = (
    "identifier",
    "name",
    "short_name",
    "level",
    "kind",
    "parent",
    "address",
    "phone",
    "email",
    "place_name",
    "morning_start",
    "morning_end",
    "afternoon_start",
    "afternoon_end",
    "cutoff",
    "jurisdiction",
    "active",
)
_HOURS = ("morning_start", "morning_end", "afternoon_start", "afternoon_end", "cutoff")


def _resolve_parent(parent: Agency | str | None) -> Agency | None:
    if parent is None or parent == "":
        return None
    if isinstance(parent, Agency):
        return parent
    found = Agency.objects.filter(identifier=identifier_form(parent)).first()
    if found is None:
        raise Unprocessable(
            f"Không tìm thấy cơ quan cấp trên có mã định danh '{parent}'.",
            f"No parent agency with identifier '{parent}'.",
            details={"parent": "unknown"},
        )
    return found


STRUCTURE_EN = {
    "kind": "the administrative kind does not belong to the level (a ward or commune is commune level, a quận or "
    "huyện district level, a tỉnh or centrally-run city province level; a department has none)",
    "parent": "the parent does not fit the level (a commune under a district or the province, a district under "
    "the province, a department under a province, department or ministry)",
    "jurisdiction": "a calendar code is letters A-Z, digits, '.', '-' or '_', no spaces, at most 35 characters",
}


def _validate(agency: Agency) -> None:
    """Check an agency (not yet saved) and raise Unprocessable/Conflict with every problem found."""
    errors: dict[str, str] = {}
    errors_en: list[str] = []

    agency.identifier = identifier_form(agency.identifier)
    try:
        validate_identifier(agency.identifier)
    except ValidationError as exc:
        errors["identifier"] = exc.messages[0]
        errors_en.append(
            "identifier: groups of 0-9 and A-Z separated by dots, at most 35 characters "
            "(Decision 20/2020/QD-TTg), e.g. 000.00.21.H26"
        )
    for field, vi, en in (("name", "Tên cơ quan", "name"), ("short_name", "Tên viết tắt", "short name")):
        try:
            check_chars(getattr(agency, field, ""), vi, en)
        except BadCharacters as exc:
            errors[field] = exc.message
            errors_en.append(exc.message_en)
    agency.name = nfc(agency.name)
    if not agency.name and "name" not in errors:
        errors["name"] = "Tên cơ quan không được để trống."
        errors_en.append("name: required")
    if agency.level not in AgencyLevel.values:
        errors["level"] = "Cấp cơ quan không hợp lệ; chọn một trong: " + ", ".join(AgencyLevel.values) + "."
        errors_en.append("level: one of " + ", ".join(AgencyLevel.values))
    if (agency.kind or "") not in AdministrativeKind.values:
        errors["kind"] = "Loại đơn vị hành chính không hợp lệ."
        errors_en.append("kind: one of " + ", ".join(v for v in AdministrativeKind.values if v))
    for name in _HOURS:
        value = getattr(agency, name)
        if value is not None and not isinstance(value, dt.time):
            try:
                setattr(agency, name, dt.time.fromisoformat(str(value)))
            except ValueError:
                errors[name] = "Giờ không hợp lệ (định dạng HH:MM)."
                errors_en.append(f"{name}: expected HH:MM")
    if not any(n in errors for n in _HOURS):
        hours = agency_hours_errors(agency)
        errors.update(hours)
        if hours:
            errors_en.append(
                "office hours must satisfy morning start < morning end <= afternoon start < afternoon end, "
                "and the cut-off must fall after the morning opening and no later than the afternoon closing, "
                "not inside the lunch break"
            )
    if agency.parent_id and agency.pk and agency._parent_is_descendant():
        errors["parent"] = "Cơ quan cấp trên không thể là chính nó hoặc cấp dưới của nó."
        errors_en.append("parent: an agency cannot be placed under itself or one of its descendants")
    agency.jurisdiction = jurisdiction_form(agency.jurisdiction)
    if not {"level", "kind", "parent"} & set(errors):  # a cycle is named alone
        structure = agency_structure_errors(agency)
        errors.update(structure)
        errors_en.extend(f"{name}: {STRUCTURE_EN[name]}" for name in structure)
    if agency.email:
        from django.core.validators import validate_email

        try:
            validate_email(agency.email)
        except ValidationError:
            errors["email"] = "Địa chỉ thư điện tử không hợp lệ."
            errors_en.append("email: invalid address")
    if errors:
        raise Unprocessable(
            "Thông tin cơ quan không hợp lệ — " + "; ".join(errors.values()),
            "Invalid agency — " + "; ".join(errors_en),
            code="invalid_agency",
            details=errors,
        )
    clash = Agency.objects.filter(identifier=agency.identifier)
    if agency.pk:
        clash = clash.exclude(pk=agency.pk)
    if clash.exists():
        raise Conflict(
            f"Mã định danh '{agency.identifier}' đã được dùng cho cơ quan khác.",
            f"Identifier '{agency.identifier}' is already used by another agency.",
            code="identifier_taken",
            details={"identifier": "taken"},
        )


@transaction.atomic
def agency_create(
    *,
    identifier: str,
    name: str,
    level: str,
    parent: Agency | str | None = None,
    **fields: Any,
) -> Agency:
    """Create an agency. `parent` is an Agency or its identifier. Other keyword fields: see `_EDITABLE`."""
    unknown = set(fields) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"agency_create: unknown fields {sorted(unknown)}")
    agency = Agency(identifier=identifier, name=name, level=level, parent=_resolve_parent(parent), **fields)
    _validate(agency)
    agency.save()
    return agency


@transaction.atomic
def agency_update(*, agency: Agency, **changes: Any) -> Agency:
    """Change an agency's fields (moving it by `parent=` updates the whole subtree's paths)."""
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"agency_update: unknown fields {sorted(unknown)}")
    # Work on a fresh copy so that a refused update leaves the caller's object as it was.
    target = Agency.objects.select_for_update().get(pk=agency.pk)
    if "parent" in changes:
        changes["parent"] = _resolve_parent(changes["parent"])
    for key, value in changes.items():
        setattr(target, key, value)
    _validate(target)
    target.save()
    agency.refresh_from_db()
    return target


@transaction.atomic
def unit_create(*, agency: Agency, name: str, kind: str = UnitKind.SPECIALIST) -> Unit:
    name = nfc(name)
    if not name:
        raise Unprocessable("Tên đơn vị không được để trống.", "Unit name is required.")
    if kind not in UnitKind.values:
        raise Unprocessable(
            "Loại đơn vị không hợp lệ; chọn một trong: " + ", ".join(UnitKind.values) + ".",
            "Unit kind must be one of " + ", ".join(UnitKind.values) + ".",
        )
    if Unit.objects.filter(agency=agency, name=name).exists():
        raise Conflict(
            f"Cơ quan {agency.name} đã có đơn vị '{name}'.",
            f"Agency {agency.identifier} already has a unit named '{name}'.",
        )
    return Unit.objects.create(agency=agency, name=name, kind=kind)


@transaction.atomic
def staff_assign_role(
    *,
    user,
    agency: Agency,
    role: str,
    unit: Unit | None = None,
    since: dt.date | None = None,
) -> StaffRole:
    """Give `user` a role in `agency` (optionally in one of its units). Re-assigning an existing role
    re-activates it instead of duplicating it."""
    if role not in Role.values:
        raise Unprocessable(
            "Vai trò không hợp lệ; chọn một trong: " + ", ".join(Role.values) + ".",
            "Role must be one of " + ", ".join(Role.values) + ".",
            details={"role": "invalid"},
        )
    if unit is not None and unit.agency_id != agency.pk:
        raise Unprocessable(
            f"Đơn vị '{unit.name}' không thuộc cơ quan {agency.name}.",
            f"Unit '{unit.name}' does not belong to agency {agency.identifier}.",
            details={"unit": "other_agency"},
        )
    problem = role_unit_problem(role, unit)
    if problem:
        raise Unprocessable(*problem, details={"unit": "role_unit"})
    if not get_user_model().objects.filter(pk=user.pk, is_active=True).exists():
        raise Unprocessable(
            "Tài khoản không tồn tại hoặc đã bị khoá.",
            "The user account does not exist or is inactive.",
            details={"user": "inactive"},
        )
    existing = StaffRole.objects.filter(user=user, agency=agency, unit=unit, role=role).first()
    if existing is not None:
        changed = []
        if not existing.active:
            existing.active = True
            changed.append("active")
        if since is not None and existing.since != since:
            existing.since = since
            changed.append("since")
        if changed:
            existing.save(update_fields=changed)
        return existing
    return StaffRole.objects.create(user=user, agency=agency, unit=unit, role=role, since=since)


@transaction.atomic
def staff_revoke_role(*, staff_role: StaffRole) -> StaffRole:
    """End a role (kept, inactive, so history stays readable)."""
    if staff_role.active:
        staff_role.active = False
        staff_role.save(update_fields=["active"])
    return staff_role


def drop_roles_a_unit_deletion_would_duplicate(sender, instance, **kwargs) -> None:
    """Before a unit is deleted its staff roles lose their unit (SET_NULL). A role whose holder already has the
    same role in the agency without a unit would become its duplicate (constraint staffrole_unique_no_unit, a
    500 in the admin): it is removed here — the unit-less role keeps the person's rights."""
    from .models import StaffRole

    for role in StaffRole.objects.filter(unit=instance):
        if StaffRole.objects.filter(
            user_id=role.user_id, agency_id=role.agency_id, role=role.role, unit__isnull=True
        ).exists():
            role.delete()
