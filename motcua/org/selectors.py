"""Reads about agencies and who may do what where."""

from django.db.models import Q

from .models import Agency, Role, StaffRole


def agency_by_identifier(identifier: str) -> Agency | None:
    return Agency.objects.filter(identifier=identifier).first()


def roles_of(user) -> list[StaffRole]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_motcua_roles", None)
    if cached is None:
        cached = list(StaffRole.objects.filter(user=user, active=True).select_related("agency", "unit"))
        user._motcua_roles = cached
    return cached


def has_role(user, role: str, agency: Agency) -> bool:
    """True if the user holds `role` in `agency` itself (roles do not inherit downwards except overseer)."""
    for r in roles_of(user):
        if r.role == role and r.agency_id == agency.pk:
            return True
    return False


def is_staff_member(user) -> bool:
    return bool(roles_of(user)) or getattr(user, "is_superuser", False)


def readable_agency_filter(user, field: str = "agency") -> Q:
    """Q over `field` (an Agency FK) restricting to agencies the user may read.

    Staff read their own agencies; overseers and administrators read the whole subtree of theirs.
    """
    if getattr(user, "is_superuser", False):
        return Q()
    q = Q(pk__in=[])
    for r in roles_of(user):
        if r.role in (Role.OVERSEER, Role.ADMIN, Role.LEADER):
            q |= Q(**{f"{field}__path__startswith": r.agency.path})
        else:
            q |= Q(**{f"{field}_id": r.agency_id})
    return q
