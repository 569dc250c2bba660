"""Reads on dossiers: serialisation for the API and the web, public masked lookup, inbox queries."""

import datetime as dt
import functools
import re
from decimal import Decimal
from urllib.parse import quote

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from motcua.catalog.eforms import eform_rows, usable_fields
from motcua.catalog.models import Procedure
from motcua.core.prepared import Prepared, statement_cursor
from motcua.org.models import Agency, Role
from motcua.org.selectors import roles_of

from . import lifecycle
from .models import Channel, Dossier, DossierDocument, DossierStep, State
from .services import DOCUMENTS_CACHE, allowed_actions, events_of, filer_reads_q, instants_in, steps_of

LOCAL = lifecycle.LOCAL


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(LOCAL).isoformat() if value else None


def in_field(field_id: int, via: str = "") -> Q:
    """Dossiers of the field (lĩnh vực) `field_id`: the field of the procedure version filed under (its snapshot),
    else, for a dossier with no snapshot, the procedure's current field. `via` reaches the dossier from another
    model ("dossier__" from a rating)."""
    return Q(**{f"{via}field_id_snapshot": field_id}) | Q(
        **{f"{via}field_id_snapshot__isnull": True, f"{via}procedure__field_id": field_id}
    )


def eform_of(dossier: Dossier) -> list[tuple[str, str]]:
    """The dossier's e-form as its pages show it (catalog.eforms.eform_rows over its version's fields); none for a
    dossier handed in at the counter or by post with no e-form value (declaration_on_paper): its declaration is the
    paper one, received and scanned as a component (rules §1, Decree 118 Art. 17(1)), not a form left blank."""
    if declaration_on_paper(dossier):
        return []
    fields = dossier.procedure_version.form_fields if dossier.procedure_version_id else []
    return eform_rows(fields, dossier.form_data)


def declaration_on_paper(dossier: Dossier) -> bool:
    """Filed at the counter or by post with nothing typed into the procedure's e-form: the counter page offers no
    e-form (the applicant's paper declaration is handed in, ticked or scanned as a component). False for a
    procedure without an e-form: nothing to say."""
    if dossier.channel == Channel.ONLINE or not dossier.procedure_version_id:
        return False
    data = dossier.form_data if isinstance(dossier.form_data, dict) else {}
    if any(v not in (None, "", [], {}) for v in data.values()):
        return False
    return bool(usable_fields(dossier.procedure_version.form_fields))


def mask_name(name: str) -> str:
    """'Nguyễn Văn An' -> 'Nguyễn V** A*' : the family name stays, other words keep their first letter."""
    words = (name or "").split()
    if not words:
        return ""
    return " ".join([words[0]] + [w[0] + "*" * (len(w) - 1) for w in words[1:]])


def mask_id(value: str) -> str:
    return ("*" * (len(value) - 3) + value[-3:]) if value else ""


# The public lookup's columns: the dossier's own, then those of its procedure and agency.
PUBLIC_OWN = (
    "code",
    "state",
    "applicant_name",
    "applicant_id_number",
    "submitted_at",
    "received_at",
    "due_at",
    "new_return_at",
    "resolved_at",
    "returned_at",
)
PUBLIC_RELATED = ("procedure_code", "procedure_name", "agency_identifier", "agency_name")


def _public_dict(row: dict) -> dict:
    return {
        "code": row["code"],
        "state": row["state"],
        "state_label": lifecycle.state_label(row["state"]),
        "procedure": {"code": row["procedure_code"], "name": row["procedure_name"]},
        "agency": {"identifier": row["agency_identifier"], "name": row["agency_name"]},
        "applicant_name": mask_name(row["applicant_name"]),
        "applicant_id_number": mask_id(row["applicant_id_number"]),
        "submitted_at": iso(row["submitted_at"]),
        "received_at": iso(row["received_at"]),
        "due_at": iso(row["due_at"]),
        "new_return_at": iso(row["new_return_at"]),
        "resolved_at": iso(row["resolved_at"]),
        "returned_at": iso(row["returned_at"]),
    }


def dossier_public(dossier: Dossier) -> dict:
    """Status lookup for anyone who has the code: no personal data unmasked."""
    row = {c: getattr(dossier, c) for c in PUBLIC_OWN}
    row.update(
        procedure_code=dossier.procedure.code,
        procedure_name=dossier.procedure.name,
        agency_identifier=dossier.agency.identifier,
        agency_name=dossier.agency.name,
    )
    return _public_dict(row)


@functools.cache
def _public_status_sql() -> str:
    d, p, a = Dossier._meta, Procedure._meta, Agency._meta
    own = ", ".join(f"d.{d.get_field(c).column}" for c in PUBLIC_OWN)
    return (
        f"SELECT {own}, p.code, p.name, a.identifier, a.name FROM {d.db_table} d "
        f"JOIN {p.db_table} p ON p.id = d.{d.get_field('procedure').column} "
        f"JOIN {a.db_table} a ON a.id = d.{d.get_field('agency').column} "
        f"WHERE d.{d.get_field('code').column} = %s"
    )


def public_status(code: str) -> dict | None:
    """`dossier_public` of the dossier `code` (None if there is none) in one plain SQL statement: the public
    lookup is the most frequent request, and building the ORM query costs several times the query itself
    (bench/bench_http.py). Same dictionary as `dossier_public` (tested)."""
    sql = _public_status_sql()
    with statement_cursor(connection, sql) as cursor:
        cursor.execute(sql, [code])
        found = cursor.fetchone()
    if found is None:
        return None
    row = dict(zip(PUBLIC_OWN + PUBLIC_RELATED, found, strict=True))
    for key in ("submitted_at", "received_at", "due_at", "new_return_at", "resolved_at", "returned_at"):
        row[key] = _aware(row[key])
    return _public_dict(row)


def _aware(value) -> dt.datetime | None:
    """A datetime read by a plain cursor: PostgreSQL gives aware values; SQLite gives naive UTC or text."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# dossier.documents.all() (Meta ordering), compiled once per connection (motcua.core.prepared)
_DOCUMENTS = Prepared(lambda dossier_id: DossierDocument.objects.filter(dossier_id=dossier_id), int)


def documents_of(dossier: Dossier) -> list[DossierDocument]:
    """The dossier's documents in upload order, read once per dossier object (none for one just filed)."""
    docs = getattr(dossier, DOCUMENTS_CACHE, None)
    if docs is None:
        docs = _DOCUMENTS(dossier.pk) if dossier.pk else []
        setattr(dossier, DOCUMENTS_CACHE, docs)
    return docs


def document_dict(dossier: Dossier, d: DossierDocument) -> dict:
    """A document as the API shows it; `url` downloads it (GET, for those who may read the dossier)."""
    return {
        "id": d.pk,
        "kind": d.kind,
        "name": d.name,
        "content_type": d.content_type,
        "size": d.size,
        "sha256": d.sha256,
        "uploaded_at": iso(d.uploaded_at),
        "url": f"/api/v1/dossiers/{quote(dossier.code, safe='')}/documents/{d.pk}",
    }


def dossier_detail(dossier: Dossier, user=None) -> dict:
    data = {
        "code": dossier.code,
        "state": dossier.state,
        "state_label": lifecycle.state_label(dossier.state),
        "version": dossier.version,
        "channel": dossier.channel,
        "agency": {"identifier": dossier.agency.identifier, "name": dossier.agency.name},
        "procedure": {
            "code": dossier.procedure.code,
            "name": dossier.procedure.name,
            "version": str(dossier.procedure_version.effective_from)
            if dossier.procedure_version_id
            else None,
        },
        "applicant": {
            "kind": dossier.applicant_kind,
            "name": dossier.applicant_name,
            "id_number": dossier.applicant_id_number,
            "address": dossier.applicant_address,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
        },
        "representative": dossier.representative or None,
        "form_data": dossier.form_data,
        "result_method": dossier.result_method,
        "limit_hours": float(dossier.limit_hours) if dossier.limit_hours is not None else None,
        "working_days": float(dossier.limit_hours / 8) if dossier.limit_hours is not None else None,
        "submitted_at": iso(dossier.submitted_at),
        "received_at": iso(dossier.received_at),
        "counting_starts_at": iso(dossier.counting_starts_at),
        "due_at": iso(dossier.due_at),
        "initial_due_at": iso(dossier.initial_due_at),
        "paused_hours": float(dossier.paused_hours),
        "paused_since": iso(dossier.paused_since),
        "new_return_at": iso(dossier.new_return_at),
        "resolved_at": iso(dossier.resolved_at),
        "outcome": dossier.outcome or None,
        "classification": dossier.classification or None,
        "returned_at": iso(dossier.returned_at),
        "return_method": dossier.return_method or None,
        "refused_at": iso(dossier.refused_at),
        "stopped_at": iso(dossier.stopped_at),
        "imported": dossier.imported,
        "steps": [
            {
                "order": s.order,
                "label": s.label,
                "actor": s.actor,
                "role": s.role,
                "agency": s.agency.identifier,
                "inter_agency": s.inter_agency,
                "hours": float(s.hours) if s.hours is not None else None,
                "assignee": s.assignee.username if s.assignee_id else None,
                "started_at": iso(s.started_at),
                "due_at": iso(s.due_at),
                "completed_at": iso(s.completed_at),
                "classification": s.classification or None,
            }
            for s in steps_of(dossier)
        ],
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "at": iso(e.at),
                "actor": e.actor_name,
                "from_state": e.from_state or None,
                "to_state": e.to_state,
                "step": e.step_order,
                "reason": e.reason,
                "data": instants_in(e.data or {}, LOCAL),
                "file_hashes": e.file_hashes,
                "hash": e.hash,
            }
            for e in events_of(dossier)
        ],
        "documents": [document_dict(dossier, d) for d in documents_of(dossier)],
    }
    if user is not None:
        data["allowed_actions"] = allowed_actions(user, dossier)
    return data


def visible_dossiers(user):
    """Dossiers the user may read: own (citizen), own agencies (staff), subtree (overseer/leader/admin)."""
    qs = Dossier.objects.select_related("agency", "procedure")
    if user.is_superuser:
        return qs
    q = Q(applicant_user=user) | filer_reads_q(user)
    for r in roles_of(user):
        if r.role in (Role.OVERSEER, Role.LEADER, Role.ADMIN):
            q |= Q(agency__path__startswith=r.agency.path)
        else:
            q |= Q(agency_id=r.agency_id) | Q(steps__agency_id=r.agency_id)
    return qs.filter(q).distinct()


def due_soon_hours() -> Decimal:
    """How close to its appointment a dossier is highlighted as due soon, in working hours of its agency:
    MOTCUA_DUE_SOON_WORKING_HOURS, default 8 (one working day)."""
    from django.conf import settings

    return Decimal(str(getattr(settings, "MOTCUA_DUE_SOON_WORKING_HOURS", 8)))


def due_status(dossier: Dossier, now: dt.datetime | None = None) -> str:
    """'overdue', 'due_soon' (at most `due_soon_hours()` working hours of the agency's calendar left: a Friday
    afternoon dossier due on Monday morning is due soon) or ''. A paused dossier (supplement, payment) has its
    clock stopped: it is overdue only if it was already when the pause began, and never due soon (its appointment
    moves by the paused time)."""
    if dossier.state in (State.RESOLVED, State.RETURNED, State.STOPPED, State.REFUSED):
        return ""
    return deadline_status(dossier.due_at, dossier, dossier.agency, now)


def step_due_status(step: DossierStep, dossier: Dossier, now: dt.datetime | None = None) -> str:
    """`due_status` of an open step's own due instant, on its agency's calendar (an inter-agency step's partner
    counts its own days off); '' once the step is completed. The dossier's pause stops the step's clock too."""
    if step.completed_at is not None or step.started_at is None:
        return ""
    return deadline_status(step.due_at, dossier, step.agency, now)


def open_steps_of(dossiers) -> dict[int, DossierStep]:
    """The step under way of each dossier (one query for a page of an inbox), with its agency and assignee."""
    ids = [d.pk for d in dossiers if d.state in OPEN_STATES]
    if not ids:
        return {}
    steps = DossierStep.objects.filter(
        dossier_id__in=ids, started_at__isnull=False, completed_at__isnull=True
    ).select_related("agency", "assignee")
    current: dict[int, DossierStep] = {}
    for s in steps.order_by("dossier_id", "order"):
        current.setdefault(s.dossier_id, s)
    return current


def deadline_status(
    due_at: dt.datetime | None, dossier: Dossier, agency, now: dt.datetime | None = None
) -> str:
    from motcua.workdays import services as calendar

    if due_at is None:
        return ""
    now = now or timezone.now()
    if dossier.paused_since is not None:
        return "overdue" if dossier.paused_since > due_at else ""
    if now > due_at:
        return "overdue"
    if calendar.working_hours_between(now, due_at, agency=agency) <= due_soon_hours():
        return "due_soon"
    return ""


# --- staff inboxes (web screens) --------------------------------------------------------------------------------
# Added for the staff screens (views.py); read-only queries over the dossier, its steps and the user's roles.

INBOX_TABS = ("receive", "assign", "process", "approve", "return", "apology", "all")
OPEN_STATES = (State.RECEIVED, State.PROCESSING, State.SUPPLEMENT_REQUESTED, State.AWAITING_PAYMENT)


def _role_agencies(user, *roles: str) -> set[int] | None:
    """Agency ids where the user holds one of `roles`; None = unrestricted (superuser)."""
    if user.is_superuser:
        return None
    return {r.agency_id for r in roles_of(user) if r.role in roles}


def _in_agencies(field: str, ids: set[int] | None) -> Q:
    return Q() if ids is None else Q(**{f"{field}__in": ids})


# States in which a dossier is still being dealt with (not refused, stopped, resolved or returned)
OPEN_STATES = (
    State.SUBMITTED,
    State.RECEIVED,
    State.PROCESSING,
    State.SUPPLEMENT_REQUESTED,
    State.AWAITING_PAYMENT,
    State.WITHDRAWAL_REQUESTED,
)


def applicant_open_dossiers(dossier: Dossier, limit: int = 5) -> list[Dossier]:
    """The same applicant's (same ID or tax number) other dossiers still open at the same agency, newest first:
    at reception the officer sees a second filing of the same procedure (online and again at the counter, or a
    retry) before accepting it. Each carries `same_procedure`."""
    if not dossier.applicant_id_number:
        return []
    others = list(
        Dossier.objects.filter(
            agency_id=dossier.agency_id,
            state__in=OPEN_STATES,
            applicant_id_number=dossier.applicant_id_number,
        )
        .exclude(pk=dossier.pk)
        .select_related("procedure")
        .order_by("-created_at", "-pk")[:limit]
    )
    for other in others:
        other.same_procedure = other.procedure_id == dossier.procedure_id
    return others


def search_dossiers(qs, q: str):
    """Code (part of it), applicant name ignoring diacritics and case (every word typed, in any order and with
    other words between: "cong ty duc viet" finds "Công ty TNHH Đức Việt"), or ID number as people write it (with
    spaces, dots or dashes between the groups, as the counter accepts it: validators.clean_personal_id)."""
    from motcua.core.text import fold

    q = (q or "").strip()
    if not q:
        return qs
    cond = Q(code__icontains=q)
    digits = re.sub(r"[\s.\-]", "", q)
    if digits:  # only separators typed ("-", "..."): no ID condition, which would match every dossier
        # as stored: a personal ID or 10-digit tax code is bare digits, a 13-digit one NNNNNNNNNN-NNN
        variants = {digits, re.sub(r"\s", "", q)}
        if len(digits) > 10 and digits.isdigit():
            variants.add(f"{digits[:10]}-{digits[10:]}")
        for variant in variants:
            cond |= Q(applicant_id_number__icontains=variant)
    words = fold(q).split()
    if words:
        name = Q()
        for word in words:
            name &= Q(applicant_name_ascii__contains=word)
        cond |= name
    return qs.filter(cond)


def inbox(user, tab: str):
    """Dossiers of one inbox tab for `user`:
    receive  — submitted, awaiting the one-stop officer's check (officer);
    assign   — received/processing with a current step nobody is assigned to (unit head, leader);
    process  — the current step is assigned to me, or unassigned and meant for my role in its agency (for a
               one-stop officer, also an unassigned inter-agency step arriving at the officer's agency);
    approve  — nothing left but the last step: ready to resolve (leader, unit head);
    return   — resolved, result to hand back (officer);
    all      — everything the user may read."""
    from django.db.models import Exists, OuterRef

    base = Dossier.objects.select_related("agency", "procedure")
    current = DossierStep.objects.filter(
        dossier=OuterRef("pk"), started_at__isnull=False, completed_at__isnull=True
    )
    work = (State.RECEIVED, State.PROCESSING)
    if tab == "receive":
        ids = _role_agencies(user, Role.OFFICER)
        return base.filter(_in_agencies("agency_id", ids), state=State.SUBMITTED).order_by(
            "submitted_at", "pk"
        )
    if tab == "assign":
        ids = _role_agencies(user, Role.UNIT_HEAD, Role.LEADER)
        steps = current.filter(_in_agencies("agency_id", ids), assignee__isnull=True)
        return base.filter(Exists(steps), state__in=work).order_by("due_at", "pk")
    if tab == "process":
        mine = Q(assignee=user)
        if user.is_superuser:
            mine |= Q(assignee__isnull=True)
        for r in roles_of(user):
            mine |= Q(assignee__isnull=True, agency_id=r.agency_id, role=r.role)
            if r.role == Role.OFFICER:
                # an inter-agency step arrives at the partner agency through its one-stop unit, whose officers
                # may assign it (a ward may have no one else): it waits here until someone takes it
                mine |= Q(assignee__isnull=True, agency_id=r.agency_id, inter_agency=True)
        return base.filter(Exists(current.filter(mine)), state__in=work).order_by("due_at", "pk")
    if tab == "approve":
        ids = _role_agencies(user, Role.UNIT_HEAD, Role.LEADER)
        pending = DossierStep.objects.filter(dossier=OuterRef("pk"), started_at__isnull=True)
        return (
            base.filter(
                _in_agencies("agency_id", ids),
                state__in=(State.RECEIVED, State.PROCESSING, State.WITHDRAWAL_REQUESTED),
            )
            .exclude(Exists(pending))
            .order_by("due_at", "pk")
        )
    if tab == "return":
        ids = _role_agencies(user, Role.OFFICER)
        return base.filter(_in_agencies("agency_id", ids), state=State.RESOLVED).order_by("resolved_at", "pk")
    if tab == "all":
        return visible_dossiers(user).order_by("-created_at", "-pk")
    raise ValueError(f"unknown inbox tab {tab!r}")


def apology_candidates(user=None, *, now: dt.datetime | None = None, agency_ids: set[int] | None = None):
    """Open dossiers due within 2 working days, with no apology yet, for which an apology (Form 04) can still be
    sent: today is on or before the working day before the due date (contract §5). Limited to agencies where
    `user` may apologise (leader, unit head, officer), or to `agency_ids`."""
    from .services import AgencyCalendar

    now = now or timezone.now()
    qs = Dossier.objects.select_related("agency", "procedure").filter(
        state__in=OPEN_STATES,
        paused_since__isnull=True,  # its clock is stopped: the appointment moves when the applicant acts
        new_return_at__isnull=True,
        due_at__isnull=False,
        due_at__gt=now,
        due_at__lte=now + dt.timedelta(days=21),  # 2 working days never span more (Tết breaks included)
    )
    if user is not None:
        qs = qs.filter(
            _in_agencies("agency_id", _role_agencies(user, Role.LEADER, Role.UNIT_HEAD, Role.OFFICER))
        )
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    out, calendars = [], {}
    today = now.astimezone(LOCAL).date()
    for d in qs.order_by("due_at", "pk"):
        cal = calendars.setdefault(d.agency_id, AgencyCalendar(d.agency))
        latest = lifecycle.apology_deadline(d.due_at, cal)
        if today > latest:
            continue
        if d.due_at > cal.add_working_hours(now, 16):
            continue
        d.apology_deadline = latest
        out.append(d)
    return out
