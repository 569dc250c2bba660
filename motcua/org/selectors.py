"""Reads about agencies and who may do what where."""

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Collate

from motcua.core import refcache
from motcua.core.prepared import Prepared
from motcua.core.text import fold, identifier_form

from .models import Agency, Role, StaffRole

# Roles whose reading scope is the whole subtree of their agency (the others read their own agency only).
SUBTREE_READERS = (Role.OVERSEER, Role.ADMIN, Role.LEADER)


def tree_order():
    """Order by materialised path byte-wise, so every subtree is contiguous (pre-order) whatever the database
    collation: a locale collation (e.g. en_US on PostgreSQL) would skip '/' and '.' and interleave subtrees."""
    if connection.vendor == "postgresql":
        return Collate(F("path"), "C")
    return F("path")


_AGENCY = Prepared(lambda identifier: Agency.objects.filter(identifier=identifier)[:1], str)


def agency_by_identifier(identifier: str) -> Agency | None:
    """The agency with this electronic identifier (as typed: `identifier_form`, so `000.00.21.h26` finds
    000.00.21.H26), or None. From the reference cache (motcua.core.refcache): a shared instance, do not change it."""
    identifier = identifier_form(identifier)
    return refcache.get(("agency-identifier", identifier), lambda: _AGENCY.first(identifier))


def agency_list(
    *, parent: Agency | None = None, q: str = "", level: str = "", include_inactive: bool = False
) -> QuerySet[Agency]:
    """Agencies in tree order. `parent` keeps its direct children; `q` matches the name ignoring
    diacritics (and case) or the identifier."""
    qs = Agency.objects.select_related("parent")
    if parent is not None:
        qs = qs.filter(parent=parent)
    if level:
        qs = qs.filter(level=level)
    if not include_inactive:
        qs = qs.filter(active=True)
    folded = fold(q)
    if folded:
        cond = Q()
        for word in folded.split():
            cond &= Q(name_ascii__contains=word)
        qs = qs.filter(cond | Q(identifier__icontains=q.strip()) | Q(short_name__icontains=q.strip()))
    return qs.order_by(tree_order())


def agency_detail(identifier: str) -> Agency | None:
    return (
        Agency.objects.select_related("parent")
        .prefetch_related("units", "children")
        .filter(identifier=identifier_form(identifier))
        .first()
    )


_ROLES = Prepared(
    lambda user_id: StaffRole.objects.filter(user_id=user_id, active=True).select_related("agency", "unit"),
    int,
)


def roles_of(user) -> list[StaffRole]:
    """The user's active roles with their agency and unit (every permission check of a request asks): from the
    reference cache (motcua.core.refcache; shared instances, do not change them), kept on the user object for
    the rest of the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_motcua_roles", None)
    if cached is None:
        pk = user.pk
        cached = refcache.get(("roles", pk), lambda: _ROLES(pk))
        user._motcua_roles = cached
    return cached


def has_role(user, role: str, agency: Agency) -> bool:
    """True if the user holds `role` in `agency` itself (roles do not inherit downwards except overseer)."""
    for r in roles_of(user):
        if r.role == role and r.agency_id == agency.pk:
            return True
    return False


def is_one_stop_officer(user, agency: Agency | None = None) -> bool:
    """A one-stop officer (cán bộ Bộ phận Một cửa) — of `agency` when given, else of any agency — or a superuser:
    the desk that receives dossiers, returns results and talks to applicants."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if agency is not None:
        return has_role(user, Role.OFFICER, agency)
    return any(r.role == Role.OFFICER for r in roles_of(user))


def is_staff_member(user) -> bool:
    return bool(roles_of(user)) or getattr(user, "is_superuser", False)


def readable_agency_filter(user, field: str = "agency") -> Q:
    """Q over `field` (an Agency FK) restricting to agencies the user may read.

    Staff read their own agencies; overseers, administrators and agency leaders read the whole subtree of
    theirs. Pass `field=""` to filter the Agency model itself. Anonymous users and users without a role
    read nothing; superusers read everything.
    """
    if getattr(user, "is_superuser", False):
        return Q()
    prefix = f"{field}__" if field else ""
    own = f"{field}_id" if field else "pk"
    q = Q(pk__in=[])
    for r in roles_of(user):
        if r.role in SUBTREE_READERS:
            q |= Q(**{f"{prefix}path__startswith": r.agency.path})
        else:
            q |= Q(**{own: r.agency_id})
    return q


def readable_agencies(user) -> QuerySet[Agency]:
    return Agency.objects.filter(readable_agency_filter(user, field="")).order_by(tree_order())


def can_read_agency(user, agency: Agency) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    for r in roles_of(user):
        if r.agency_id == agency.pk:
            return True
        if r.role in SUBTREE_READERS and agency.path.startswith(r.agency.path):
            return True
    return False


def agencies_with_role(user, *roles: str) -> list[Agency]:
    """Agencies where the user holds any of `roles` (acting roles are never inherited down the tree)."""
    return [r.agency for r in roles_of(user) if r.role in roles]


def has_subagencies(agency: Agency | None) -> bool:
    """Whether `agency` has agencies under it, so that its figures include theirs (the statistics pages and reports
    say "including sub-agencies" only then: a ward has none)."""
    return agency is not None and Agency.objects.filter(parent=agency).exists()


def heads_of(agency: Agency) -> list:
    """The active accounts holding an active leader or unit-head role in `agency`, each once: whom the agency's
    reminders and alerts go to besides the person holding the work."""
    users: dict = {}
    for r in StaffRole.objects.filter(
        agency=agency, active=True, role__in=(Role.LEADER, Role.UNIT_HEAD), user__is_active=True
    ).select_related("user"):
        users.setdefault(r.user_id, r.user)
    return list(users.values())


def is_overseer_only(user) -> bool:
    """True for read-only users: every active role is `overseer` (e.g. People's Council members)."""
    roles = roles_of(user)
    return bool(roles) and all(r.role == Role.OVERSEER for r in roles)
