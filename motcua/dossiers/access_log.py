"""Who read a dossier's personal data (nhật ký truy cập dữ liệu cá nhân), ADR 0024.

Every read of one dossier — its staff page or API record, a document, a form — by someone other than its applicant
appends a DossierAccess: the reader's name and capacity as they were, the instant, what was read, the channel and
the client's address. Personal-data law (Law 91/2025/QH15, Decree 356/2025/NĐ-CP; rules §10) lets the data subject
ask who processed their data, and the agency answers for its officers' reads: the applicant sees the record on
their dossier page and through the API, the agency's leadership (leader, administrator of the agency or above) on
the staff page. The applicant's own reads are not recorded. Lists (inboxes, search results) are not recorded per
dossier: they show the name and the code, not the dossier's documents and forms.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from motcua.org.models import Role
from motcua.org.selectors import roles_of
from motcua.org.throttle import client_ip

from .models import AccessKind, Dossier, DossierAccess

# the roles that answer for the agency's reads (and read the record on the staff page), at its agency or above
LOG_READERS = frozenset({Role.LEADER, Role.ADMIN})


def _capacity(user, dossier: Dossier) -> str:
    """How `user` reads the dossier, in words (Vietnamese, as the record is kept): the role held at its agency, at
    an agency working one of its steps, or above it; a system administrator; the community team's member who filed
    it."""
    from .services import steps_of

    roles = roles_of(user)
    step_agencies = {s.agency_id for s in steps_of(dossier)}
    ranked = sorted(
        roles,
        key=lambda r: (
            r.agency_id != dossier.agency_id,
            r.agency_id not in step_agencies,
            not dossier.agency.path.startswith(r.agency.path),
        ),
    )
    for r in ranked:
        if (
            r.agency_id == dossier.agency_id
            or r.agency_id in step_agencies
            or dossier.agency.path.startswith(r.agency.path)
        ):
            with translation.override("vi"):
                return f"{r.get_role_display()} — {r.agency.name}"
    if user.is_superuser:
        return SUPERUSER_CAPACITY
    if dossier.filed_by_id == user.pk:
        return FILER_CAPACITY
    return ""


SUPERUSER_CAPACITY = "Quản trị hệ thống"
FILER_CAPACITY = "Thành viên tổ công nghệ số cộng đồng đã nộp hộ hồ sơ"


def capacity_display(capacity: str) -> str:
    """The stored capacity (Vietnamese, as at the read) in the page's language: the role's words translated, the
    agency's name kept as it is ("Cán bộ một cửa — Sở Tư pháp" reads "One-stop officer — Sở Tư pháp" on an English
    page). A text the record holds but no role names (an older wording) is shown as stored."""
    words = {
        SUPERUSER_CAPACITY: _("Quản trị hệ thống"),
        FILER_CAPACITY: _("Thành viên tổ công nghệ số cộng đồng đã nộp hộ hồ sơ"),
    }
    if capacity in words:
        return str(words[capacity])
    role, sep, agency = capacity.partition(" — ")
    with translation.override("vi"):
        by_vietnamese = {str(label): value for value, label in Role.choices}
    if sep and role in by_vietnamese:
        return f"{Role(by_vietnamese[role]).label} — {agency}"
    return capacity


def record(request, user, dossier: Dossier, kind: str, *, channel: str, detail: str = "") -> None:
    """Append the read of `dossier` by `user` (already allowed to read it); nothing for its applicant."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk == dossier.applicant_user_id:
        return
    DossierAccess.objects.create(
        dossier=dossier,
        at=timezone.now().replace(microsecond=0),  # to the second, as the API writes instants (contract §2)
        user=user,
        user_name=(user.get_full_name() or user.get_username())[:255],
        capacity=_capacity(user, dossier)[:300],
        kind=kind,
        detail=detail[:500],
        channel=channel,
        ip=client_ip(request),
    )


def may_see(user, dossier: Dossier) -> bool:
    """The applicant, a superuser, and a leader or administrator of the dossier's agency or of an agency above."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.pk == dossier.applicant_user_id:
        return True
    return any(
        r.role in LOG_READERS and dossier.agency.path.startswith(r.agency.path) for r in roles_of(user)
    )


def entries(dossier: Dossier) -> list[DossierAccess]:
    """The dossier's record, newest first."""
    return list(dossier.accesses.order_by("-at", "-pk"))


PAGE_ROWS = 100  # the newest reads a page lists (the API lists all)


GROUP_WITHIN = dt.timedelta(hours=1)  # one person's repeated reads of the same thing, shown as one row
GROUPED_FROM = 1000  # the newest reads grouped for a page


def grouped(rows) -> list:
    """The accesses (newest first) with each run of the same person reading the same thing (kind, detail, channel)
    within GROUP_WITHIN of the run's previous read folded into its newest, which gets `count` and `first_at`: an
    officer reloading the page after each action left 26 identical "Xem hồ sơ" cards on the citizen's phone."""
    out: list = []
    for a in rows:
        last = out[-1] if out else None
        same = last is not None and (last.user_id, last.user_name, last.kind, last.detail, last.channel) == (
            a.user_id,
            a.user_name,
            a.kind,
            a.detail,
            a.channel,
        )
        if same and last.first_at - a.at <= GROUP_WITHIN:
            last.count += 1
            last.first_at = a.at
            continue
        a.count, a.first_at = 1, a.at
        out.append(a)
    return out


def page_context(user, dossier: Dossier) -> dict:
    """`access_entries` (the newest PAGE_ROWS rows, repeated reads grouped, or None when `user` may not see the
    record) and `access_total` (every access, one by one)."""
    if not may_see(user, dossier):
        return {"access_entries": None, "access_total": 0}
    from .pdf import FORMS

    rows = dossier.accesses.order_by("-at", "-pk")
    entries = grouped(rows[:GROUPED_FROM])[:PAGE_ROWS]
    # a form is recorded by its Vietnamese title (the PDF's): shown in the page's language, as the forms list is
    titles = {spec.title: spec.display for spec in FORMS.values()}
    for a in entries:
        a.detail_shown = titles.get(a.detail, a.detail) if a.kind == AccessKind.FORM else a.detail
    return {
        "access_entries": entries,
        "access_total": rows.count(),
        "access_shown": sum(e.count for e in entries),
    }


def entry_dict(a: DossierAccess) -> dict:
    from .selectors import iso

    return {
        "at": iso(a.at),
        "name": a.user_name,
        "capacity": a.capacity,
        "kind": a.kind,
        "kind_label": str(AccessKind(a.kind).label),
        "detail": a.detail,
        "channel": a.channel,
    }
