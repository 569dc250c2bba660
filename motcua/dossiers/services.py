"""Writes on dossiers. Every state change goes through `dossier_act` (or `dossier_file` for filing), runs in one
transaction with the dossier row locked, validates the action with the lifecycle engine, and appends a
hash-chained event. A refused action raises and changes nothing."""

import copy
import datetime as dt
import functools
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from decimal import ROUND_DOWN, Decimal
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from motcua.catalog import selectors as catalog_selectors
from motcua.catalog.eforms import clean_form_data
from motcua.catalog.models import Procedure, ProcedureVersion, ProcessStep, ProcessTemplate, fmt_days
from motcua.core import refcache
from motcua.core.errors import Conflict, DomainError, NotFound, PermissionDenied, Unprocessable
from motcua.core.prepared import Prepared, insert_rows, new_instance, statement_cursor
from motcua.core.text import (
    BadCharacters,
    check_json_chars,
    check_text,
    fold,
    identifier_form,
    nfc,
    nfc_lines,
    refusal,
)
from motcua.org.models import SYSTEM_ACCOUNT_PREFIX, Agency, Role, StaffRole
from motcua.org.selectors import agency_by_identifier, is_overseer_only, roles_of
from motcua.workdays.calendar import CalendarRangeError
from motcua.workdays.schedules import MAX_YEAR as CAL_MAX_YEAR
from motcua.workdays.schedules import MIN_YEAR as CAL_MIN_YEAR

from . import lifecycle
from .models import (
    INTER_AGENCY_TASK,
    DailySequence,
    DocumentKind,
    Dossier,
    DossierEvent,
    DossierStep,
    IdempotencyKey,
    State,
)
from .validators import IdentifierError, clean_applicant_id, clean_personal_id, clean_phone
from .workflow import ANY_USER, APPLICANT, TRANSITIONS

LOCAL = lifecycle.LOCAL
TIMING_FIELDS = (
    "state",
    "resume_state",
    "submitted_at",
    "received_at",
    "counting_starts_at",
    "due_at",
    "initial_due_at",
    "limit_hours",
    "paused_since",
    "paused_hours",
    "clock_changed_at",
    "new_return_at",
    "resolved_at",
    "processing_seconds",
    "outcome",
    "classification",
    "returned_at",
    "return_method",
    "refused_at",
    "stopped_at",
    "supplement_rounds",
)


class AgencyCalendar:
    """Binds the calendar services to one agency (office hours, jurisdiction) for the lifecycle engine."""

    def __init__(self, agency: Agency | None):
        from motcua.workdays import services as cal

        self._cal = cal
        self.agency = agency

    def compute_deadline(self, received_at, *, hours):
        return self._cal.compute_deadline(received_at, hours=hours, agency=self.agency)

    def add_working_hours(self, start, hours):
        return self._cal.add_working_hours(start, hours, agency=self.agency)

    def working_hours_between(self, start, end):
        return self._cal.working_hours_between(start, end, agency=self.agency)

    def is_working_day(self, day):
        return self._cal.is_working_day(day, agency=self.agency)

    def is_office_time(self, when):
        return self._cal.calendar_for(self.agency).is_office_time(when)

    def office_hours(self):
        return self._cal.calendar_for(self.agency).hours

    def next_working_day(self, day):
        """The first working day strictly after `day`."""
        return self._cal.calendar_for(self.agency).next_working_day(day)


def backfill_processing_seconds(batch: int = 2000) -> int:
    """Store `processing_seconds` on the resolved dossiers that lack it (those resolved before the column existed,
    migration dossiers.0003): the same rule as the lifecycle's `resolve`, from the stored counting start, resolution
    and paused time. Streams in batches; returns the number of dossiers updated."""
    todo = (
        Dossier.objects.filter(
            resolved_at__isnull=False, counting_starts_at__isnull=False, processing_seconds__isnull=True
        )
        .order_by("pk")
        .values_list("pk", "agency_id", "counting_starts_at", "resolved_at", "paused_hours")
    )
    calendars: dict[int, AgencyCalendar] = {}
    done, last = 0, 0
    while True:
        rows = list(todo.filter(pk__gt=last)[:batch])
        if not rows:
            return done
        updates = []
        for pk, agency_id, start, resolved, paused in rows:
            cal = calendars.get(agency_id)
            if cal is None:
                cal = calendars[agency_id] = AgencyCalendar(Agency.objects.get(pk=agency_id))
            seconds = lifecycle.processing_seconds(start, resolved, paused, cal)
            updates.append(Dossier(pk=pk, processing_seconds=seconds))
        Dossier.objects.bulk_update(updates, ["processing_seconds"])
        done += len(updates)
        last = rows[-1][0]


# --- snapshots ---------------------------------------------------------------------------------------------


def snapshot_of(dossier: Dossier, history: "EventSummary | None" = None) -> lifecycle.Snapshot:
    snap = lifecycle.Snapshot(**{f: getattr(dossier, f) for f in TIMING_FIELDS})
    snap.state = dossier.state or None
    snap.resume_state = dossier.resume_state or ""
    snap.outcome = dossier.outcome or ""
    snap.classification = dossier.classification or ""
    snap.return_method = dossier.return_method or ""
    snap.paused_hours = Decimal(dossier.paused_hours or 0)
    history = history or event_summary(dossier)
    snap.last_at = history.last_at
    snap.extra = {"apologized": dossier.new_return_at is not None}
    snap.pre_reception_supplements = history.pre_reception_supplements
    return snap


@dataclass(frozen=True)
class EventSummary:
    count: int
    last_at: dt.datetime | None
    pre_reception_supplements: int


def event_summary(dossier: Dossier) -> EventSummary:
    """What an action needs to know of the history, in ONE query: how many events (the next `seq`), the instant
    of the last one, and how many supplement requests were made before reception (asked once only)."""
    events = events_of(dossier)
    return EventSummary(
        count=len(events),
        last_at=events[-1].at if events else None,
        pre_reception_supplements=sum(
            1 for e in events if e.action == "request_supplement" and e.from_state == State.SUBMITTED
        ),
    )


EVENTS_CACHE = "_motcua_events"
# selectors.documents_of's per-object list: set to [] by dossier_file (a new dossier has no documents) and
# appended to by documents.store_upload, so the filing response needs no query.
DOCUMENTS_CACHE = "_motcua_documents"

# The reads of every action, compiled once per connection (motcua.core.prepared; the same rows and instances
# as the ORM expressions they are written with, tested in motcua/core/tests/test_prepared.py).
_EVENTS = Prepared(lambda dossier_id: DossierEvent.objects.filter(dossier_id=dossier_id).order_by("seq"), int)
_STEPS = Prepared(
    lambda dossier_id: (
        DossierStep.objects.filter(dossier_id=dossier_id)
        .select_related("agency", "assignee")
        .order_by("order")
    ),
    int,
)
# dossier_act's read: `.first()` of the code, locking only the dossier row (Meta ordering: -created_at); its
# agency, procedure and version come from the reference cache (with_references).
_LOCKED = Prepared(
    lambda code: (
        Dossier.objects.select_for_update(of=("self",)).select_related("applicant_user").filter(code=code)[:1]
    ),
    str,
)
_AGENCY_BY_PK = Prepared(lambda pk: Agency.objects.filter(pk=pk)[:1], int)
_PROCEDURE_BY_PK = Prepared(lambda pk: Procedure.objects.filter(pk=pk)[:1], int)
_VERSION_BY_PK = Prepared(lambda pk: ProcedureVersion.objects.filter(pk=pk)[:1], int)
_REFERENCES = (
    (Dossier._meta.get_field("agency"), _AGENCY_BY_PK),
    (Dossier._meta.get_field("procedure"), _PROCEDURE_BY_PK),
    (Dossier._meta.get_field("procedure_version"), _VERSION_BY_PK),
)


def with_references(dossier: Dossier | None) -> Dossier | None:
    """Attach the dossier's agency, procedure and procedure version from the reference cache
    (motcua.core.refcache), as `select_related` would: reading them costs no query while they are unchanged.
    The instances are shared: do not change them."""
    if dossier is None:
        return None
    for field, read in _REFERENCES:
        pk = getattr(dossier, field.attname)
        if pk is not None:
            field.set_cached_value(dossier, refcache.get((field.name, pk), functools.partial(read.first, pk)))
    return dossier


def locked_dossier(code: str) -> Dossier | None:
    """The dossier `code`, its row locked until the transaction ends, with its references and applicant account."""
    return with_references(_LOCKED.first(code))


def version_in_force(procedure_code: str, day: dt.date) -> ProcedureVersion | None:
    """The procedure's version in force on `day`, with its procedure (reference cache; shared instances)."""
    return refcache.get(
        ("version-in-force", procedure_code, day),
        functools.partial(_VERSION_OF_CODE.first, procedure_code, day),
    )


_PROCEDURE = Prepared(lambda code: Procedure.objects.filter(code=code)[:1], str)
# Procedure.version_at by procedure code (the latest version in force on a date), with its procedure: filing
# reads both at once
_VERSION_OF_CODE = Prepared(
    lambda code, day: (
        ProcedureVersion.objects.select_related("procedure")
        .filter(procedure__code=code, effective_from__lte=day)
        .order_by("-effective_from")[:1]
    ),
    str,
    dt.date,
)
_TEMPLATES = Prepared(
    lambda procedure_id, agency_id: (
        ProcessTemplate.objects.filter(procedure=procedure_id)
        .filter(Q(agency=agency_id) | Q(agency__isnull=True))
        .order_by("-pk")
    ),
    int,
    int,
)
_TEMPLATE_STEPS = Prepared(
    lambda template_id: (
        ProcessStep.objects.filter(template_id=template_id).select_related("partner_agency").order_by("order")
    ),
    int,
)


def _of_dossier(rows: list, dossier: Dossier) -> list:
    """Rows read by dossier id, attached to `dossier` as its related manager would (no query for `.dossier`)."""
    for row in rows:
        row.dossier = dossier
    return rows


def events_of(dossier: Dossier) -> list[DossierEvent]:
    """The dossier's events in order, loaded once per dossier object (the action reads them, then the response
    shows them with the new one appended by `record_event`)."""
    events = getattr(dossier, EVENTS_CACHE, None)
    if events is None:
        events = _of_dossier(_EVENTS(dossier.pk), dossier) if dossier.pk else []
        setattr(dossier, EVENTS_CACHE, events)
    return events


def store_snapshot(dossier: Dossier, snap: lifecycle.Snapshot) -> None:
    for f in TIMING_FIELDS:
        value = getattr(snap, f)
        if value is None and f in ("resume_state", "outcome", "classification", "return_method"):
            value = ""
        setattr(dossier, f, value)


# --- events ---------------------------------------------------------------------------------------------------


def _json_default(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, (dt.date, Decimal)):
        return str(value)
    return str(value)


# The canonical JSON of the hash chain, encoded by one encoder (json.dumps with these options builds one per
# call). The text is the chain's definition: the migration import assembles the same text from parts
# (migration_io._event_hash); test_import_event_hash_is_byte_identical_to_the_services_one keeps them equal.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, default=_json_default, separators=(",", ":")
)


def event_hash(
    *,
    code: str,
    seq: int,
    action: str,
    at: dt.datetime,
    actor: str,
    from_state: str,
    to_state: str,
    step_order,
    reason: str,
    data: dict,
    file_hashes: list,
    prev_hash: str,
) -> str:
    canonical = _CANONICAL.encode(
        {
            "code": code,
            "seq": seq,
            "action": action,
            "at": at.astimezone(dt.UTC).isoformat(),
            "actor": actor,
            "from": from_state or "",
            "to": to_state,
            "step": step_order,
            "reason": reason or "",
            "data": data or {},
            "files": sorted(file_hashes or []),
            "prev": prev_hash or "",
        },
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


MAX_IDEMPOTENCY_KEY = 200  # IdempotencyKey.key

_PLAIN = json.JSONEncoder(default=_json_default)  # built once (json.dumps with `default` builds one per call)


def _clean_data(data: dict) -> dict:
    """The event data as stored and hashed: what a JSON round trip gives back (datetimes as UTC ISO strings,
    dates and Decimals as strings, tuples as lists, a copy). Scalars of JSON's own types, datetimes and Decimals
    are converted directly; any other value (a list, a nested dict) and a dict with a key that is not a string
    go through the round trip."""
    out = {}
    for k, v in (data or {}).items():
        if type(k) is not str:
            return json.loads(_PLAIN.encode(data))
        if v is None or isinstance(v, (str, int, float)):  # bool is an int
            out[k] = v
        elif isinstance(v, dt.datetime):
            out[k] = v.astimezone(dt.UTC).isoformat()
        elif isinstance(v, Decimal):
            out[k] = str(v)
        else:
            out[k] = json.loads(_PLAIN.encode(v))
    return out


_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})$")


def instants_in(data: dict, tz) -> dict:
    """A copy of event data with each instant (a top-level ISO 8601 string with its offset) written in `tz`. The
    data is stored as recorded (native events in UTC, `_clean_data`; imported ones as the file wrote them):
    the API and the export show local time (+07:00, contract §2), comparisons use one zone."""
    out = dict(data)
    for k, v in out.items():
        if isinstance(v, str) and _ISO_INSTANT.match(v):
            try:
                out[k] = dt.datetime.fromisoformat(v).astimezone(tz).isoformat()
            except ValueError:
                pass
    return out


def prepare_event(
    dossier: Dossier,
    *,
    seq: int,
    action: str,
    at: dt.datetime,
    actor,
    from_state: str | None,
    to_state: str,
    step_order=None,
    reason: str = "",
    data: dict | None = None,
    file_hashes: list | None = None,
    actor_name: str = "",
) -> DossierEvent:
    """The next event of the dossier's chain, hashed but not saved; moves `dossier.last_event_hash` to it."""
    data = _clean_data(data or {})
    reason = nfc_lines(reason)  # hash exactly what is stored; a reason's points stay one per line
    actor_label = actor_name or (actor.get_username() if actor is not None else "")
    h = event_hash(
        code=dossier.code,
        seq=seq,
        action=action,
        at=at,
        actor=actor_label,
        from_state=from_state or "",
        to_state=to_state,
        step_order=step_order,
        reason=reason,
        data=data,
        file_hashes=file_hashes or [],
        prev_hash=dossier.last_event_hash,
    )
    event = new_instance(
        DossierEvent,
        dossier=dossier,
        seq=seq,
        action=action,
        at=at,
        actor=actor,
        actor_name=actor_label,
        from_state=from_state or "",
        to_state=to_state,
        step_order=step_order,
        reason=reason,
        data=data,
        file_hashes=file_hashes or [],
        prev_hash=dossier.last_event_hash,
        hash=h,
    )
    dossier.last_event_hash = h
    return event


def record_event(dossier: Dossier, **kwargs) -> DossierEvent:
    """Append the next event of the dossier's chain (see `prepare_event` for the arguments)."""
    event = prepare_event(dossier, **kwargs)
    event.save()
    if hasattr(dossier, EVENTS_CACHE):
        getattr(dossier, EVENTS_CACHE).append(event)
    return event


def verify_chain(dossier: Dossier) -> list[str]:
    """Recompute the dossier's chain; returns the problems found (empty when intact)."""
    problems, prev = [], ""
    for i, e in enumerate(dossier.events.order_by("seq"), start=1):
        if e.seq != i:
            problems.append(f"{dossier.code}: event #{e.seq} out of sequence (expected #{i})")
        if e.prev_hash != prev:
            problems.append(f"{dossier.code}: event #{e.seq} does not link to the previous event")
        expected = event_hash(
            code=dossier.code,
            seq=e.seq,
            action=e.action,
            at=e.at,
            actor=e.actor_name,
            from_state=e.from_state,
            to_state=e.to_state,
            step_order=e.step_order,
            reason=e.reason,
            data=e.data,
            file_hashes=e.file_hashes,
            prev_hash=e.prev_hash,
        )
        if e.hash != expected:
            problems.append(f"{dossier.code}: event #{e.seq} ({e.action}) was altered")
        prev = e.hash
    if dossier.last_event_hash != prev:
        problems.append(f"{dossier.code}: the dossier's last hash does not match its last event")
    return problems


# --- codes ----------------------------------------------------------------------------------------------------


def next_code(agency: Agency, at: dt.datetime) -> str:
    """`<agency identifier>-<YYMMDD>-<NNNN>` (contract §3). Must run inside the filing transaction: the counter
    row stays locked until it commits, so concurrent filings get consecutive numbers and a rolled-back filing
    gives its number back."""
    day = at.astimezone(LOCAL).date()
    seq = _increment_sequence(agency.pk, day)
    if seq is None:
        try:
            with transaction.atomic():
                DailySequence.objects.create(agency=agency, day=day, last=1)
            seq = 1
        except IntegrityError:  # created concurrently: take the next number
            seq = _increment_sequence(agency.pk, day)
    return f"{agency.identifier}-{day:%y%m%d}-{seq:04d}"


@functools.cache
def _sequence_sql() -> str:
    meta = DailySequence._meta
    last, agency_col, day_col = (meta.get_field(f).column for f in ("last", "agency", "day"))
    return (
        f"UPDATE {meta.db_table} SET {last} = {last} + 1 WHERE {agency_col} = %s AND {day_col} = %s "
        f"RETURNING {last}"
    )


def _increment_sequence(agency_id: int, day: dt.date) -> int | None:
    """UPDATE … RETURNING (PostgreSQL, SQLite ≥ 3.35): one statement takes the row lock and the number."""
    sql = _sequence_sql()
    conn = connections[DEFAULT_DB_ALIAS]
    with statement_cursor(conn, sql) as cursor:
        cursor.execute(sql, [agency_id, conn.ops.adapt_datefield_value(day)])
        row = cursor.fetchone()
    return row[0] if row else None


# --- permissions ----------------------------------------------------------------------------------------------


def _roles_in(user, agency_ids: set[int]) -> set[str]:
    return {r.role for r in roles_of(user) if r.agency_id in agency_ids}


# What the staff of the current step's agency may do on a dossier of another agency (an inter-agency step,
# liên thông): work on their step — assign it within their agency, complete it and hand it back — and set or
# confirm a financial obligation (a tax office's notice). Resolving, stopping, apologising, supplements, the
# applicant's withdrawal and the result stay with the receiving agency.
STEP_AGENCY_ACTIONS = frozenset({"assign", "hand_over", "request_payment", "confirm_payment"})
# Who may complete a step besides its assignee and the holders of its role there: the step agency's heads.
STEP_SUPERVISORS = frozenset({Role.UNIT_HEAD, Role.LEADER})
# Who may be given a step (assign, hand_over's `to`): the roles that work on dossiers (an overseer reads only).
WORKING_ROLES = frozenset({Role.OFFICER, Role.SPECIALIST, Role.UNIT_HEAD, Role.LEADER})


def working_staff(agency_ids):
    """The active working roles (WORKING_ROLES, on active accounts) in these agencies: who may be given a step
    there (the assign and hand-over forms' choices, the transfer page's recipients and its "still here"). Not an
    agency's system account (portal.services.system_account, "system:<identifier>": it confirms verified online
    payments and cannot sign in — a step given it was stranded)."""
    return StaffRole.objects.filter(
        agency_id__in=agency_ids, active=True, user__is_active=True, role__in=WORKING_ROLES
    ).exclude(user__username__startswith=SYSTEM_ACCOUNT_PREFIX)


def reads_as_staff(user, dossier: Dossier) -> bool:
    """Whether `user` reads the dossier as staff (not merely as its applicant): a superuser, or a staff member of
    its agency or of an agency that works one of its steps, or an overseer, leader or administrator above its
    agency. Staff read every form of the dossier; the applicant those addressed to them (pdf.FormSpec.citizen)."""
    from motcua.org.selectors import is_staff_member

    if not is_staff_member(user):
        return False
    return user.is_superuser or _reads_by_role(user, dossier)


def _reads_by_role(user, dossier: Dossier) -> bool:
    """A role of `user` in the dossier's agency or a step's agency, or an overseeing role above its agency."""
    step_agencies = {s.agency_id for s in steps_of(dossier)}
    for r in roles_of(user):
        if r.agency_id == dossier.agency_id or r.agency_id in step_agencies:
            return True
        if r.role in (Role.OVERSEER, Role.LEADER, Role.ADMIN) and dossier.agency.path.startswith(
            r.agency.path
        ):
            return True
    return False


def may_assign_step(user, step: DossierStep) -> bool:
    """Whether `user` may assign `step`: the assign roles (workflow) held in the step's own agency — a partner
    agency assigns its inter-agency step, the receiving agency its own steps, neither the other's."""
    if getattr(user, "is_superuser", False):
        return True
    return bool(_roles_in(user, {step.agency_id}) & TRANSITIONS["assign"].roles)


def _acting_roles(user, dossier: Dossier) -> tuple[set[str], set[str]]:
    """The roles the user holds in the dossier's agency, and those in the current step's agency when that is
    another agency (an inter-agency step; empty otherwise)."""
    step = current_step(dossier)
    own = _roles_in(user, {dossier.agency_id})
    partner = (
        _roles_in(user, {step.agency_id})
        if step is not None and step.agency_id != dossier.agency_id
        else set()
    )
    return own, partner


def _roles_for(action: str, own: set[str], partner: set[str]) -> set[str]:
    return own | partner if action in STEP_AGENCY_ACTIONS else own


# The check of a dossier filed online is the one-stop officer's at reception (Decree 118/2025 Art. 17; rules §1): it
# is they who receive it, ask once in writing for what is missing (Form 02) or refuse it. A leader or a specialist
# asked for a supplement of a dossier nobody had received yet.
AT_RECEPTION = {("request_supplement", State.SUBMITTED): frozenset({Role.OFFICER})}


def allowed_roles(action: str, state: str) -> frozenset:
    """The roles that may take `action` on a dossier in `state`: the transition's, narrowed where AT_RECEPTION
    says."""
    return AT_RECEPTION.get((action, state), TRANSITIONS[action].roles)


def _permits(allowed: frozenset, roles: set[str], applicant: bool) -> bool:
    return ANY_USER in allowed or (APPLICANT in allowed and applicant) or bool(roles.intersection(allowed))


def may_complete_step(user, dossier: Dossier) -> bool:
    """Whether `user` may complete the dossier's current step (hand_over): its assignee, a holder of the step's
    role in the step's agency, or a head of that agency (unit head, leader); anyone `hand_over` allows when no
    step is under way."""
    if getattr(user, "is_superuser", False):
        return True
    step = current_step(dossier)
    if step is None:
        return True
    if step.assignee_id is not None and step.assignee_id == user.pk:
        return True
    roles = _roles_in(user, {step.agency_id})
    if roles & STEP_SUPERVISORS:
        return True
    return step.role in roles and not passed_for_signature(dossier, step)


def passed_for_signature(dossier: Dossier, step: DossierStep) -> bool:
    """Whether a partner agency's inter-agency step was passed within that agency to its present holder (trình
    ký, `hand_over` with `within_agency`): the holder (the head who signs) or a head of the agency completes it
    then, not the colleagues of the step's role — the specialist who drafted the reply cannot send it on
    unsigned. Read from the events the action loads anyway."""
    if step.assignee_id is None or not step.inter_agency:
        return False
    return any(
        e.action == "hand_over" and e.step_order == step.order and (e.data or {}).get("within_agency")
        for e in events_of(dossier)
    )


def may_act(user, dossier: Dossier, action: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    roles = allowed_roles(action, dossier.state)
    if ANY_USER in roles or (APPLICANT in roles and dossier.applicant_user_id == user.pk):
        return True
    if not _roles_for(action, *_acting_roles(user, dossier)).intersection(roles):
        return False
    return action != "hand_over" or may_complete_step(user, dossier)


def may_read(user, dossier: Dossier) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or dossier.applicant_user_id == user.pk:
        return True
    if _reads_by_role(user, dossier):
        return True
    return dossier.filed_by_id == user.pk and filer_reads(user, dossier)


def filer_reads(user, dossier: Dossier) -> bool:
    """Whether the account that filed the dossier for someone else still reads it as its filer: a member of a
    digital community team, while that membership (and its team) is active. Filing gives no other lasting right:
    an officer who registered a dossier at the counter reads it through a working role at the agency, so once
    rotated out (roles deactivated) no longer does."""
    return Dossier.objects.filter(filer_reads_q(user), pk=dossier.pk).exists()


def filer_reads_q(user, prefix: str = "") -> Q:
    """Q over dossiers (or over `prefix`, a relation to them) that `user` reads as their filer (filer_reads)."""
    return Q(
        **{
            f"{prefix}filed_by": user,
            f"{prefix}assisted_filing__member__user": user,
            f"{prefix}assisted_filing__member__active": True,
            f"{prefix}assisted_filing__member__team__active": True,
        }
    )


def allowed_actions(user, dossier: Dossier) -> list[str]:
    """The actions `may_act` allows the user in the dossier's state (the roles are looked up once)."""
    candidates = lifecycle_allowed(dossier.state)
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    if user.is_superuser:
        return [a for a in candidates if _may_succeed(a, dossier)]
    (own, partner), applicant = _acting_roles(user, dossier), dossier.applicant_user_id == user.pk
    return [
        a
        for a in candidates
        if _permits(allowed_roles(a, dossier.state), _roles_for(a, own, partner), applicant)
        and (a != "hand_over" or may_complete_step(user, dossier))
        and _may_succeed(a, dossier)
    ]


def _may_succeed(action: str, dossier: Dossier) -> bool:
    """False for an action the state allows but the dossier's record rules out, so the screens do not offer a
    button that can only be refused: a refusal at reception once the dossier was received (a supplement asked
    during processing), a resolution of a dossier never received (a withdrawal asked before reception), an apology
    without an appointment, after the one allowed or while the clock is paused."""
    if action == "refuse":
        return dossier.received_at is None
    if action == "resolve":
        return dossier.received_at is not None and partner_step_open(dossier) is None
    if action == "apologize":
        if dossier.due_at is None or dossier.new_return_at is not None or dossier.paused_since is not None:
            return False
        # past the lifecycle's apology deadline the button could only be refused; from the in-process calendar, no
        # statement. The days in the lifecycle's zone (timezone.localdate reads the active zone through a
        # context-local: a tenth of this check); on or after the appointment's day no calendar is needed.
        today = timezone.now().astimezone(LOCAL).date()
        return today < dossier.due_at.astimezone(LOCAL).date() and today <= lifecycle.apology_deadline(
            dossier.due_at, AgencyCalendar(dossier.agency)
        )
    return True


def partner_step_open(dossier: Dossier):
    """The dossier's step under way when another agency holds it (an inter-agency step), else None."""
    step = current_step(dossier)
    return step if step is not None and step.agency_id != dossier.agency_id else None


def lifecycle_allowed(state) -> list[str]:
    return list(_lifecycle_allowed(state))


@functools.cache
def _lifecycle_allowed(state) -> tuple[str, ...]:
    return tuple(a for a, t in TRANSITIONS.items() if state in t.sources and a not in ("submit", "register"))


# --- steps ----------------------------------------------------------------------------------------------------


STEPS_CACHE = "_motcua_steps"


def steps_of(dossier: Dossier) -> list[DossierStep]:
    """The dossier's steps in order (with agency and assignee), loaded once per dossier object: permissions, the
    current step and the response all read this list. Code that adds or reorders steps calls `forget_steps`."""
    steps = getattr(dossier, STEPS_CACHE, None)
    if steps is None:
        # Steps are instantiated at reception: a dossier never received has none (no query needed).
        received = dossier.pk and dossier.received_at is not None
        steps = _of_dossier(_STEPS(dossier.pk), dossier) if received else []
        setattr(dossier, STEPS_CACHE, steps)
    return steps


def forget_steps(dossier: Dossier) -> None:
    if hasattr(dossier, STEPS_CACHE):
        delattr(dossier, STEPS_CACHE)


def current_step(dossier: Dossier) -> DossierStep | None:
    """The first started and not completed step."""
    return next((s for s in steps_of(dossier) if s.started_at and not s.completed_at), None)


def live_instant() -> dt.datetime:
    """The instant of a live action: now, to the whole second. The API writes every instant as the contract's
    examples do (2025-02-05T10:00:00+07:00): a receipt's 10:05:12.345678 gave a due instant with microseconds, and
    every later one carried them. An instant given (the migration import, a test) is kept as given."""
    return timezone.now().replace(microsecond=0)


def process_steps(procedure_id: int, agency_id: int) -> list[ProcessStep]:
    """The steps of the internal process a dossier of this procedure follows in this agency: the agency's own
    template, else the procedure's general one (the lowest pk of each kind, as `.first()` did); [] when none is
    published. Reference cache: shared instances."""

    def load():
        templates = {t.agency_id: t for t in _TEMPLATES(procedure_id, agency_id)}
        template = templates.get(agency_id) or templates.get(None)
        return _TEMPLATE_STEPS(template.pk) if template is not None else []

    return refcache.get(("process-steps", procedure_id, agency_id), load)


def _instantiate_steps(dossier: Dossier, at: dt.datetime, actor=None) -> None:
    """The procedure's internal process as the dossier's steps, the first begun at reception. When the first step
    is the one-stop unit's (role officer) and a one-stop officer of the agency received the dossier, it is that
    officer's: nobody has to assign the step the receiving officer is already doing (it sat in the heads' "to
    assign" inbox)."""
    steps: list[DossierStep] = []
    for s in process_steps(dossier.procedure_id, dossier.agency_id):
        steps.append(
            new_instance(
                DossierStep,
                dossier=dossier,
                order=s.order,
                label=s.label,
                actor=s.actor,
                role=s.role,
                task=s.task,
                inter_agency=s.inter_agency,
                hours=s.hours,
                agency=s.partner_agency if (s.inter_agency and s.partner_agency) else dossier.agency,
            )
        )
    _fit_step_budgets(steps, dossier.limit_hours)
    if not steps:
        # No published internal process: one step covering the whole limit, done by the agency's specialists.
        steps.append(
            new_instance(
                DossierStep,
                dossier=dossier,
                order=1,
                label="Xử lý",
                actor="Phòng chuyên môn",
                role=Role.SPECIALIST,
                task="Thẩm định, giải quyết hồ sơ",
                inter_agency=False,
                hours=dossier.limit_hours,
                agency=dossier.agency,
            )
        )
    # the first step began at reception; its budget counts from the counting start (_start_step)
    _start_step(dossier, steps[0], at, save=False)
    first = steps[0]
    if (
        actor is not None
        and first.role == Role.OFFICER
        and first.agency_id == dossier.agency_id
        and Role.OFFICER in _roles_in(actor, {dossier.agency_id})
    ):
        first.assignee = actor
    insert_rows(steps)
    if any(s.pk is None for s in steps):  # a backend that does not return ids: read them back
        forget_steps(dossier)
    else:
        setattr(dossier, STEPS_CACHE, steps)


def _fit_step_budgets(steps: list[DossierStep], limit_hours) -> None:
    """Steps whose budgets add up to more than the dossier's limit are cut in proportion to fit it (to the hundredth
    of an hour; the last step takes what rounding leaves): the limit was cut after the process was published (the
    agency's registered limit shortened, or a shorter one set at reception), and a step budget running past the
    appointment would let a dossier be late with every step on time. Budgets that add up to less leave the
    slack unassigned, as published; a same-day procedure keeps its published budgets (it is due at closing)."""
    timed = [s for s in steps if s.hours is not None]
    if not limit_hours or not timed:  # no limit, or a same-day one (due at closing): the budgets as published
        return
    limit = Decimal(limit_hours)
    total = sum((Decimal(s.hours) for s in timed), Decimal(0))
    if total <= limit or total <= 0:
        return
    left = limit
    for s in timed[:-1]:
        s.hours = (Decimal(s.hours) * limit / total).quantize(Decimal("0.01"), ROUND_DOWN)
        left -= s.hours
    timed[-1].hours = left


def _start_step(dossier: Dossier, step: DossierStep | None, at: dt.datetime, *, save: bool = True) -> None:
    if step is None:
        return
    step.started_at = at
    if step.hours is not None:
        step.due_at = AgencyCalendar(step.agency).add_working_hours(
            max(at, dossier.counting_starts_at or at), step.hours
        )
    if save:
        step.save(update_fields=["started_at", "due_at", "assignee"])


def _resume_step(dossier: Dossier, paused_since: dt.datetime, at: dt.datetime) -> None:
    """A pause (supplement, payment) stops the step under way as it stops the dossier (contract §7): the step's
    due instant moves later by the working time paused, counted on the step's own agency's calendar (a partner
    agency's days off for a liên thông step), so the control slip does not classify the step late for the time
    the applicant took."""
    step = current_step(dossier)
    if step is None or step.due_at is None:
        return
    cal = AgencyCalendar(step.agency)
    hours = Decimal(str(cal.working_hours_between(max(paused_since, step.started_at), at)))
    if hours > 0:
        step.due_at = cal.add_working_hours(step.due_at, hours)
        step.save(update_fields=["due_at"])


def _complete_step(step: DossierStep, at: dt.datetime, *, classify: bool = True) -> None:
    """The step ends at `at`; done (`classify`: early, on time or late against its due instant), or stopped with
    the dossier (no classification: its holder did not finish it — a stop marked it "early")."""
    step.completed_at = at
    if step.due_at is not None and classify:
        step.classification = lifecycle.classify(at, step.due_at)
    step.save(update_fields=["completed_at", "classification"])


# --- filing ---------------------------------------------------------------------------------------------------


# "organisation" (British spelling, as the issue and the docs write it) is read as the stored "organization"
APPLICANT_KIND_ALIASES = {"organisation": "organization"}


def _clean_applicant(applicant: dict, *, allow_legacy: bool = False) -> dict:
    kind = applicant.get("kind") or "individual"
    kind = APPLICANT_KIND_ALIASES.get(kind, kind) if isinstance(kind, str) else kind
    if kind not in ("individual", "organization"):
        raise Unprocessable(
            "Loại người nộp phải là 'individual' (cá nhân) hoặc 'organization' (tổ chức).",
            "Applicant kind must be 'individual' or 'organization'.",
        )
    for key in CONTACT_LIMITS:
        if isinstance(applicant.get(key), str):
            vi, en = CONTACT_LABELS[key]
            check_text(applicant[key], f"{vi} người nộp", f"The applicant's {en}")
    name = nfc(applicant.get("name"))
    if not name:
        raise Unprocessable("Thiếu họ tên người nộp hồ sơ.", "The applicant's name is required.")
    id_number = applicant.get("id_number") or ""
    if id_number or not allow_legacy:
        try:
            id_number = clean_applicant_id(
                kind, id_number, allow_legacy=allow_legacy, birth_year=applicant.get("birth_year")
            )
        except IdentifierError as exc:
            raise Unprocessable(exc.message, exc.message_en, code="bad_id_number") from exc
    fields = {
        "applicant_kind": kind,
        "applicant_name": name,
        "applicant_id_number": id_number,
        "applicant_address": nfc(applicant.get("address")),
        "applicant_phone": nfc(applicant.get("phone")),
        "applicant_email": (applicant.get("email") or "").strip(),
    }
    # the migration import keeps what the old system held (and checks the lengths itself)
    if not allow_legacy:
        _check_contact(fields, "applicant_", "người nộp", "applicant")
    return fields


# The longest text each contact field holds (the dossier's columns; the representative's, the same).
CONTACT_LIMITS = {"name": 255, "address": 500, "phone": 30, "email": 254, "authorisation_document": 255}
CONTACT_LABELS = {
    "name": ("Họ tên", "name"),
    "address": ("Địa chỉ", "address"),
    "phone": ("Số điện thoại", "phone number"),
    "email": ("Thư điện tử", "e-mail address"),
    "authorisation_document": ("Văn bản ủy quyền", "authorisation document"),
}


def _check_contact(fields: dict, prefix: str, who_vi: str, who_en: str) -> None:
    """Bounds and formats of a person's contact fields (`prefix` + name, address, phone, email…): too long, or a
    phone number or e-mail address that is none, is refused (422) naming the field — nothing is cut or rewritten
    beyond trimming. `who_vi` / `who_en`: whose fields ("người nộp", "applicant")."""
    for key, limit in CONTACT_LIMITS.items():
        value = fields.get(prefix + key)
        if value and len(value) > limit:
            vi, en = CONTACT_LABELS[key]
            raise Unprocessable(
                f"{vi} {who_vi} dài quá {limit} ký tự.",
                f"The {who_en}'s {en} is longer than {limit} characters.",
                code="too_long",
            )
    if fields.get(prefix + "phone"):
        try:
            fields[prefix + "phone"] = clean_phone(fields[prefix + "phone"])
        except IdentifierError as exc:
            raise Unprocessable(
                f"Số điện thoại {who_vi} không hợp lệ: 10 hoặc 11 chữ số bắt đầu bằng 0, hoặc số quốc tế dạng +84…, +1….",
                f"The {who_en}'s phone number is invalid: 10 or 11 digits starting with 0, or an international number "
                "(+84…, +1…).",
                code="bad_phone",
            ) from exc
    if fields.get(prefix + "email"):
        try:
            validate_email(fields[prefix + "email"])
        except ValidationError as exc:
            raise Unprocessable(
                f"Thư điện tử {who_vi} không hợp lệ.",
                f"The {who_en}'s e-mail address is invalid.",
                code="bad_email",
            ) from exc


# What an e-form's answers may weigh, and how deeply they may nest (a table of rows of values is depth 3): a
# procedure without a declared e-form takes `form_data` as filed (ADR 0021), but not without bounds.
MAX_FORM_BYTES = 64 * 1024
MAX_FORM_DEPTH = 5


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _check_form_size(form_data) -> None:
    if not form_data:
        return
    if not isinstance(form_data, dict):
        raise Unprocessable(
            "Tờ khai (form_data) phải là một đối tượng JSON.",
            "'form_data' must be a JSON object.",
            code="bad_form_data",
        )
    _check_form_text(form_data)
    size = len(json.dumps(form_data, ensure_ascii=False, default=str).encode())
    if size > MAX_FORM_BYTES or _depth(form_data) > MAX_FORM_DEPTH:
        raise Unprocessable(
            f"Tờ khai quá lớn: tối đa {MAX_FORM_BYTES // 1024} KB và {MAX_FORM_DEPTH} cấp lồng nhau; giấy tờ kèm "
            "theo nộp dưới dạng tệp thành phần hồ sơ.",
            f"The e-form is too large: at most {MAX_FORM_BYTES // 1024} KB and {MAX_FORM_DEPTH} levels of nesting; "
            "attach documents as the dossier's component files.",
            code="bad_form_data",
        )


def _check_form_text(form_data: dict) -> None:
    """Every text of the e-form's answers, at any depth, and every key: no control or hiding character (the
    declared fields' own form checks a single-line answer more strictly)."""
    try:
        check_json_chars(form_data, "Tờ khai", "The e-form")
    except BadCharacters as exc:
        raise refusal(exc) from exc


def _clean_representative(representative: dict | None) -> dict:
    """The authorised representative (người được ủy quyền) as stored on the dossier: {} when none; else a name
    (required), and a personal ID, address, phone, e-mail and the authorisation document (number, date) when
    given, each checked as the applicant's are."""
    if not representative or not any(str(v or "").strip() for v in representative.values()):
        return {}
    unknown = sorted(set(representative) - {*CONTACT_LIMITS, "id_number"})
    if unknown:  # nothing given is dropped without a word
        raise Unprocessable(
            f"Người được ủy quyền: không có trường {', '.join(unknown)}.",
            f"Representative: no field {', '.join(unknown)}.",
            code="bad_representative",
        )
    for key in CONTACT_LIMITS:
        if isinstance(representative.get(key), str):
            vi, en = CONTACT_LABELS[key]
            check_text(representative[key], f"{vi} người được ủy quyền", f"The representative's {en}")
    rep = {key: nfc(representative.get(key)) for key in CONTACT_LIMITS}  # trimmed, whitespace collapsed
    rep["id_number"] = str(representative.get("id_number") or "").strip()
    if not rep["name"]:
        raise Unprocessable(
            "Thiếu họ tên người được ủy quyền.", "The representative's name is required.", code="required"
        )
    if rep["id_number"]:
        try:
            rep["id_number"] = clean_personal_id(rep["id_number"])
        except IdentifierError as exc:
            raise Unprocessable(
                f"Người được ủy quyền: {exc.message}",
                f"Representative: {exc.message_en}",
                code="bad_id_number",
            ) from exc
    _check_contact(rep, "", "người được ủy quyền", "representative")
    return {key: value for key, value in rep.items() if value}


def _canonical_request(value):
    """A request as the filing stores it, for comparing a retry with the first sending: texts in NFC with their
    whitespace collapsed (as every text is stored), empty values left out — so a retry whose name arrives in
    another Unicode form, or with a space more, is the same filing."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        out = {k: _canonical_request(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, "", [], {})}
    if isinstance(value, (list, tuple)):
        return [_canonical_request(v) for v in value]
    return value


def _request_hash(payload: dict) -> str:
    canonical = _canonical_request(payload)
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()


# Bounds of the numbers an action takes (the web forms hold the same ones): a limit as the calendar computes it,
# an inter-agency step's budget, and a fee in whole đồng that fits the payment record (14 digits).
MAX_STEP_HOURS = Decimal("99999.99")
MAX_AMOUNT = Decimal(10**14 - 1)
_VI_DIGITS = str.maketrans(",.", ".,")


def _number(
    value,
    *,
    key: str,
    vi: str,
    en: str,
    low: Decimal,
    high: Decimal,
    above: bool = False,
    whole: bool = False,
    code: str,
) -> Decimal:
    """`value` (a number or its text) as a finite Decimal within [low, high] (or (low, high] when `above`), whole
    when `whole`; else Unprocessable naming the field and its range."""
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, bool) else None
    except ArithmeticError:
        number = None
    ok = (
        number is not None
        and number.is_finite()
        and (number > low if above else number >= low)
        and number <= high
        and (not whole or number == number.to_integral_value())
    )
    if not ok:
        lo_en, hi_en = f"{low:,}", f"{high:,}"
        lo, hi = (n.translate(_VI_DIGITS) for n in (lo_en, hi_en))  # 99.999,99 in Vietnamese
        kind_vi, kind_en = ("số nguyên", "a whole number") if whole else ("số", "a number")
        raise Unprocessable(
            f"{vi} ({key}) phải là {kind_vi} {'lớn hơn' if above else 'từ'} {lo} {'và tối đa' if above else 'đến'} "
            f"{hi}.",
            f"'{key}' ({en}) must be {kind_en} {'above' if above else 'from'} {lo_en} "
            f"{'and at most' if above else 'to'} {hi_en}.",
            code=code,
        )
    return number


def _limit_hours(working_days, version: ProcedureVersion, agency_days=None) -> Decimal:
    """The limit in working hours for `working_days` given by an officer (filing or reception): only where the
    catalogue gives the procedure no single limit (contract §5: the registered limit — the agency's own,
    `agency_days`, else the version's —, else the legal one, is applied as is; the counter page offers the field
    only then). The procedure's own limit, restated, is taken."""
    from motcua.workdays import services as calendar_services

    days = _number(
        working_days,
        key="working_days",
        vi="Số ngày làm việc áp dụng",
        en="working days applied",
        low=Decimal(0),
        high=calendar_services.MAX_WORKING_DAYS,
        code="bad_limit",
    )
    fixed = version.limit_hours(agency_days)
    if fixed is not None and days * 8 != fixed:
        shown = fmt_days(fixed / 8)
        raise Unprocessable(
            f"Thủ tục đã quy định thời hạn giải quyết {shown} ngày làm việc; ngày hẹn trả tính theo thời hạn đó, "
            "không ấn định thời hạn khác (working_days).",
            f"The procedure's time limit is {shown.replace(',', '.')} working days; the appointment follows it and "
            "no other limit (working_days) can be set.",
            code="limit_fixed",
        )
    return days * 8


@refcache.scoped
def dossier_file(
    *,
    actor,
    procedure_code: str,
    agency_identifier: str,
    channel: str,
    applicant: dict,
    representative: dict | None = None,
    form_data: dict | None = None,
    result_method: str = "counter",
    receive: bool = False,
    working_days=None,
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
    applicant_user=None,
    file_hashes: list | None = None,
) -> tuple[Dossier, bool]:
    """File a dossier: online (`submit`, by the applicant's account) or at the counter / by post (`register`, by
    an officer of the agency; with `receive=True` the officer also receives it at once). Returns (dossier,
    created). With an idempotency key, a retry returns the dossier of the first request."""
    at = at or live_instant()
    payload = dict(
        procedure=procedure_code,
        agency=agency_identifier,
        channel=channel,
        applicant=applicant,
        representative=representative,
        form_data=form_data,
        result_method=result_method,
        receive=receive,
        working_days=working_days,
    )
    if idempotency_key:
        _check_idempotency_key(idempotency_key)
        replay = _idempotent_replay(actor, idempotency_key, payload)
        if replay is not None:
            return replay, False
    if channel not in ("online", "counter", "postal"):
        raise Unprocessable(
            "Kênh nộp phải là 'online', 'counter' hoặc 'postal'.",
            "Channel must be 'online', 'counter' or 'postal'.",
        )
    if result_method not in ("counter", "post", "electronic"):
        raise Unprocessable(
            "Hình thức nhận kết quả phải là 'counter', 'post' hoặc 'electronic'.",
            "result_method must be 'counter', 'post' or 'electronic'.",
        )
    agency = agency_by_identifier(agency_identifier)
    if agency is None:
        raise NotFound(f"Không có cơ quan mã '{agency_identifier}'.", f"No agency '{agency_identifier}'.")
    # the version in force with its procedure in one read; only without one is the procedure read alone
    version = version_in_force(procedure_code, at.astimezone(LOCAL).date())
    procedure = version.procedure if version is not None else _PROCEDURE.first(procedure_code)
    if procedure is None:
        raise NotFound(f"Không có thủ tục mã '{procedure_code}'.", f"No procedure '{procedure_code}'.")
    if version is None or not procedure.active:
        raise Unprocessable(
            "Thủ tục chưa có hiệu lực hoặc đã bãi bỏ tại thời điểm nộp.",
            "The procedure is not in force at the filing date.",
        )
    fields = _clean_applicant(applicant)
    representative = _clean_representative(representative)
    _check_form_size(form_data)
    if form_data and version.form_fields:
        given = form_data
        with translation.override("vi"):  # the messages in both languages: a second check only when refused
            form_data, vi = clean_form_data(version.form_fields, given)
        if vi:
            with translation.override("en"):
                en = clean_form_data(version.form_fields, given)[1]
            raise Unprocessable(
                "Tờ khai chưa hợp lệ: " + "; ".join(f"{label}: {message}" for label, message in vi),
                "The e-form is not valid: " + "; ".join(f"{label}: {message}" for label, message in en),
                code="bad_form_data",
            )
    officer = (channel != "online" or receive) and (
        actor.is_superuser or Role.OFFICER in _roles_in(actor, {agency.pk})
    )
    if channel == "online":
        if is_overseer_only(actor):  # a People's Council member's account reads (ADR 0003); it files nothing
            raise PermissionDenied(
                "Tài khoản giám sát chỉ được xem hồ sơ và số liệu, không nộp hồ sơ. Muốn nộp hồ sơ cho bản thân, "
                "hãy dùng tài khoản công dân.",
                "An overseer's account reads dossiers and figures; it files none. To file for yourself, use a "
                "citizen account.",
                code="overseer_read_only",
            )
        action = "submit"
    else:
        if not officer:
            raise PermissionDenied(
                "Chỉ cán bộ Bộ phận Một cửa của cơ quan mới đăng ký hồ sơ trực tiếp/bưu chính.",
                "Only the agency's one-stop officers register counter or postal dossiers.",
            )
        action = "register"
    if receive and not officer:
        raise PermissionDenied(
            "Chỉ cán bộ Bộ phận Một cửa mới tiếp nhận hồ sơ.", "Only one-stop officers receive dossiers."
        )
    agency_days = catalog_selectors.agency_registered_days(procedure.code, agency.identifier)
    limit_hours = version.limit_hours(agency_days)
    if working_days is not None:
        if not (actor.is_superuser or Role.OFFICER in _roles_in(actor, {agency.pk})):
            raise PermissionDenied(
                "Chỉ cán bộ Bộ phận Một cửa của cơ quan mới ấn định thời hạn giải quyết (working_days); "
                "thời hạn của hồ sơ nộp trực tuyến theo thủ tục.",
                "Only the agency's one-stop officers set the time limit (working_days); an online filing takes "
                "the procedure's.",
                code="limit_not_allowed",
            )
        limit_hours = _limit_hours(working_days, version, agency_days)
    try:
        dossier = _file_new(
            agency=agency,
            procedure=procedure,
            version=version,
            channel=channel,
            representative=representative,
            form_data=form_data,
            result_method=result_method,
            limit_hours=limit_hours,
            actor=actor,
            applicant_user=applicant_user,
            action=action,
            fields=fields,
            at=at,
            file_hashes=file_hashes,
            idempotency_key=idempotency_key,
            payload=payload,
            receive=receive,
        )
        return dossier, True
    except IntegrityError:
        # the same key sent twice at once: the other request committed first (its insert made this one wait on
        # the key's unique index) — this is its retry, answered with its dossier; nothing of this one is kept
        replay = _idempotent_replay(actor, idempotency_key, payload) if idempotency_key else None
        if replay is None:
            raise
        return replay, False


def _check_idempotency_key(key) -> None:
    if not isinstance(key, str) or len(key) > MAX_IDEMPOTENCY_KEY:
        raise Unprocessable(
            f"Idempotency-Key dài tối đa {MAX_IDEMPOTENCY_KEY} ký tự.",
            f"An Idempotency-Key has at most {MAX_IDEMPOTENCY_KEY} characters.",
            code="bad_idempotency_key",
        )


def _action_replayed(dossier: Dossier, actor, action: str, key: str) -> bool:
    """Whether `actor` already took an action on the dossier with this Idempotency-Key (kept in its event): a
    retry of the same action is answered with the dossier as it is, and changes nothing; the key sent with
    another action is refused (422)."""
    actor_id = getattr(actor, "pk", None)
    for event in events_of(dossier):
        if event.actor_id == actor_id and (event.data or {}).get("idempotency_key") == key:
            if event.action != action:
                t = TRANSITIONS[event.action]
                raise Unprocessable(
                    f"Idempotency-Key này đã được dùng cho thao tác khác trên hồ sơ ({t.label}). Hồ sơ không "
                    "thay đổi.",
                    f"This Idempotency-Key was already used for another action on the dossier ({t.label_en}). "
                    "Nothing was changed.",
                    code="idempotency_mismatch",
                )
            return True
    return False


def _idempotent_replay(actor, key: str, payload: dict) -> Dossier | None:
    """The dossier a filing with this `key` by `actor` created, if any (Unprocessable if the key was used for a
    different request)."""
    found = IdempotencyKey.objects.filter(user=actor, key=key).select_related("dossier").first()
    if found is None:
        return None
    if found.request_hash != _request_hash(payload):
        raise Unprocessable(
            "Idempotency-Key này đã được dùng cho một yêu cầu nộp hồ sơ khác.",
            "This Idempotency-Key was already used for a different filing request.",
            code="idempotency_mismatch",
        )
    return found.dossier


def _file_new(
    *,
    agency,
    procedure,
    version,
    channel,
    representative,
    form_data,
    result_method,
    limit_hours,
    actor,
    applicant_user,
    action,
    fields,
    at,
    file_hashes,
    idempotency_key,
    payload,
    receive,
) -> Dossier:
    """The filing's one transaction: the dossier with its code, its first event, the idempotency key, and the
    reception when asked."""
    with transaction.atomic():
        dossier = new_instance(
            Dossier,
            agency=agency,
            procedure=procedure,
            procedure_version=version,
            field_id_snapshot=version.field_id,
            channel=channel,
            state="",
            representative=representative or {},
            form_data=form_data or {},
            result_method=result_method,
            limit_hours=limit_hours,
            filed_by=actor,
            applicant_user=applicant_user or (actor if action == "submit" else None),
            **fields,
        )
        dossier.applicant_name_ascii = fold(dossier.applicant_name)
        dossier.code = next_code(agency, at)
        snap = lifecycle.apply(
            lifecycle.Snapshot(limit_hours=limit_hours), action, at, {}, AgencyCalendar(agency)
        )
        store_snapshot(dossier, snap)
        dossier.version = 1
        event = prepare_event(
            dossier,
            seq=1,
            action=action,
            at=at,
            actor=actor,
            from_state=None,
            to_state=snap.state,
            data={
                "channel": channel,
                "procedure": procedure.code,
                "procedure_version": str(version.effective_from),
            },
            file_hashes=file_hashes or [],  # SHA-256 of the files filed with it (checked before storing)
        )
        dossier.save()  # already carries the first event's hash: one INSERT, no UPDATE
        event.save()
        setattr(dossier, EVENTS_CACHE, [event])
        setattr(dossier, STEPS_CACHE, [])  # steps are instantiated at reception
        setattr(dossier, DOCUMENTS_CACHE, [])  # the files filed with it are stored after this returns
        if idempotency_key:
            IdempotencyKey.objects.create(
                user=actor, key=idempotency_key, dossier=dossier, request_hash=_request_hash(payload)
            )
        if receive:
            dossier = _act(dossier, "receive", actor, {}, at)
    return dossier


# --- actions --------------------------------------------------------------------------------------------------


@refcache.scoped
def dossier_act(
    *,
    code: str,
    action: str,
    actor,
    params: dict | None = None,
    at: dt.datetime | None = None,
    expected_version: int | None = None,
    record_uploads: bool = False,
    idempotency_key: str | None = None,
) -> Dossier:
    """Take one lifecycle action on the dossier `code`. One transaction; the row is locked; a conflicting
    concurrent action gets Conflict (HTTP 409) and changes nothing. With `record_uploads` (and no `file_hashes`
    given), the event records the SHA-256 of the dossier's files that no event records yet — those uploaded
    before the action, read under the lock. With an `idempotency_key`, a retry of an action the actor already took
    with that key returns the dossier unchanged, marked `replayed` (and the key is kept in the event's data)."""
    if idempotency_key:
        _check_idempotency_key(idempotency_key)
    if action not in TRANSITIONS or action in ("submit", "register"):
        raise NotFound(
            f"Không có thao tác '{action}' trên hồ sơ.",
            f"No dossier action '{action}'.",
            code="unknown_action",
        )
    with transaction.atomic():
        dossier = locked_dossier(code)
        # a live action's instant is read once the row is locked: two people acting at once are ordered by the
        # lock, so the second never carries an instant before the first's (a 422 "out of order" instead of 409)
        at = at or live_instant()
        if dossier is None:
            raise NotFound(f"Không tìm thấy hồ sơ '{code}'.", f"Dossier '{code}' not found.")
        if idempotency_key and may_read(actor, dossier):
            if _action_replayed(dossier, actor, action, idempotency_key):
                dossier.replayed = True
                return dossier
        if expected_version is not None and dossier.version != expected_version:
            raise _stale(dossier, expected_version)
        params = params or {}
        if action == "hand_over" and "step" in params and may_read(actor, dossier):
            # the step named is done already (a retry, or a colleague was quicker): say so (409), not that the
            # action is not the caller's — the step's holder may no longer act at the next step
            _check_step_named(action, params["step"], dossier)
        if not may_act(actor, dossier, action):
            if may_read(actor, dossier):
                refuse_action(actor, dossier, action)
            raise NotFound(f"Không tìm thấy hồ sơ '{code}'.", f"Dossier '{code}' not found.")
        if record_uploads and "file_hashes" not in params:
            hashes = _unrecorded_hashes(dossier)
            if hashes:
                params = {**params, "file_hashes": hashes}
        if idempotency_key:
            params = {**params, "idempotency_key": idempotency_key}
        return _act(dossier, action, actor, params, at)


def _stale(dossier: Dossier, expected_version: int) -> Conflict:
    """The refusal of an action that names a version the dossier no longer has: which version it has, and the
    last action taken on it (by someone else, or by an earlier request of the caller's own — a retry)."""
    last = events_of(dossier)[-1] if dossier.version > expected_version and events_of(dossier) else None
    vi = en = ""
    if last is not None:
        t = TRANSITIONS.get(last.action)
        when = last.at.astimezone(LOCAL).strftime("%d/%m/%Y %H:%M")
        who = last.actor_name or (last.actor.get_username() if last.actor_id else "")
        vi = f"; thao tác gần nhất: {t.label if t else last.action} ({who}, {when})"
        en = f"; last action: {t.label_en if t else last.action} ({who}, {when})"
    return Conflict(
        f"Hồ sơ đã thay đổi: nay là phiên bản {dossier.version}, yêu cầu nêu phiên bản {expected_version}{vi}. "
        "Có thể do người khác, hoặc một yêu cầu trước đó của chính bạn. Hồ sơ không thay đổi; tải lại hồ sơ "
        "trước khi thao tác.",
        f"The dossier has changed: it is at version {dossier.version}, the request names version "
        f"{expected_version}{en}. By someone else, or by an earlier request of yours. Nothing was changed; reload "
        "it before acting.",
        code="stale",
    )


def refuse_action(actor, dossier: Dossier, action: str) -> NoReturn:
    """The refusal of an action `actor`, who may read the dossier, may not take (`may_act` is false), for the API
    and the staff screens alike: who holds a step passed for signature, else that the action is not theirs."""
    _refuse_unsigned_hand_over(actor, dossier, action)
    t = TRANSITIONS[action]
    raise PermissionDenied(
        f"Bạn không có quyền thực hiện “{t.label}” trên hồ sơ này. Hồ sơ không thay đổi.",
        f"You may not '{t.label_en}' on this dossier. Nothing was changed.",
    )


def _refuse_unsigned_hand_over(actor, dossier: Dossier, action: str) -> None:
    """The refusal of a colleague's hand_over at a step passed for signature says who holds the step."""
    step = current_step(dossier) if action == "hand_over" else None
    if step is None or not passed_for_signature(dossier, step) or not _roles_in(actor, {step.agency_id}):
        return
    holder = step.assignee
    name = holder.get_full_name() or holder.get_username()
    raise PermissionDenied(
        f"Bước '{step.label}' đã được chuyển cho {name} ({holder.get_username()}) trình ký: chỉ người đang giữ "
        f"bước hoặc lãnh đạo {step.agency.name} hoàn thành bước này. Hồ sơ không thay đổi.",
        f"Step '{step.label}' was passed to {name} ({holder.get_username()}) to sign: only the step's holder or "
        f"a head of {step.agency.name} completes it. Nothing was changed.",
        code="held_for_signature",
    )


def _unrecorded_hashes(dossier: Dossier) -> list[str]:
    """Hashes of the locked dossier's files that no event records yet, in upload order, from its events and
    documents as the action and its response read them anyway (once per object; documents.unrecorded_hashes is
    the same rule over fresh queries, for any dossier object)."""
    from .selectors import documents_of

    recorded = {h for e in events_of(dossier) for h in e.file_hashes or ()}
    return list(dict.fromkeys(d.sha256 for d in documents_of(dossier) if d.sha256 not in recorded))


# (name, attname) of the dossier's columns other than the primary key
_COLUMNS = tuple((f.name, f.attname) for f in Dossier._meta.concrete_fields if not f.primary_key)


def _row_values(dossier: Dossier) -> dict:
    """The dossier's column values (JSON values copied), to save only what an action changed."""
    return {
        name: copy.deepcopy(v) if isinstance(v := getattr(dossier, attname), (dict, list)) else v
        for name, attname in _COLUMNS
    }


def _save_changes(dossier: Dossier, before: dict) -> None:
    """UPDATE only the columns that differ from `before`, and `updated_at`: a smaller statement to build and to
    run, and PostgreSQL can keep the row on its page when no indexed column changed (HOT update)."""
    changed = [name for name, attname in _COLUMNS if getattr(dossier, attname) != before[name]]
    if "updated_at" not in changed:
        changed.append("updated_at")
    dossier.save(update_fields=changed)


def _act(dossier: Dossier, action: str, actor, params: dict, at: dt.datetime) -> Dossier:
    before = _row_values(dossier)
    history = event_summary(dossier)
    if action == "request_supplement" and dossier.state == State.SUBMITTED:
        if history.pre_reception_supplements:
            raise Conflict(
                "Hồ sơ đã được hướng dẫn bổ sung một lần bằng văn bản; không yêu cầu bổ sung lần thứ hai khi "
                "tiếp nhận (tiếp nhận hoặc từ chối tiếp nhận).",
                "The applicant was already asked once in writing; receive or refuse the dossier instead.",
                code="supplement_once",
            )
    try:  # the state before the parameters: an action the state refuses is a 409 whatever was sent with it
        lifecycle.check_state(dossier.state or None, action)
    except lifecycle.LifecycleError as exc:
        raise Conflict(exc.message, exc.message_en, code=exc.code) from exc
    if action == "apologize" and dossier.paused_since is not None:
        # (live actions only: the migration import keeps an apology the previous system recorded in a pause)
        raise Conflict(
            "Hồ sơ đang tạm dừng tính thời gian giải quyết (chờ bổ sung hồ sơ hoặc chờ thực hiện nghĩa vụ tài "
            "chính): ngày hẹn trả sẽ lùi thêm đúng thời gian tạm dừng khi hồ sơ được giải quyết tiếp. Gửi thư xin "
            "lỗi, hẹn lại ngày trả sau khi hồ sơ được bổ sung hoặc nghĩa vụ tài chính được xác nhận, nếu vẫn có "
            "thể trễ hạn.",
            "The dossier's clock is paused (awaiting the applicant's supplement or financial obligation): the due "
            "date moves later by the time paused when processing resumes. Send the apology with a new return date "
            "after the supplement or payment, if the dossier may still be late.",
            code="apology_paused",
        )
    if action == "resolve" and (open_step := partner_step_open(dossier)) is not None:
        # the partner's result comes back first (its step handed over): resolving then completed the partner's step
        # in the receiving agency's name, and Form 06 said the partner had handed the dossier back
        raise Conflict(
            f"Bước {open_step.order} ({open_step.label or open_step.actor}) đang ở {open_step.agency.name} (liên "
            "thông): chờ cơ quan phối hợp trả kết quả (chuyển bước về) rồi mới hoàn thành giải quyết. Hồ sơ không "
            "thay đổi.",
            f"Step {open_step.order} is at {open_step.agency.identifier} (inter-agency): the partner hands its result "
            "back (hand_over) before the dossier is resolved. Nothing was changed.",
            code="partner_step_open",
        )
    if action == "return_result" and params.get("method") == "electronic" and dossier.outcome == "approved":
        from .selectors import documents_of

        if not any(d.kind == DocumentKind.RESULT for d in documents_of(dossier)):
            # "Đã trả kết quả" with nothing for the applicant to download: the electronic result is its file
            raise Conflict(
                "Chưa có tệp kết quả giải quyết để trả bằng hình thức điện tử: tải văn bản kết quả (đã ký) lên hồ "
                "sơ trước, hoặc trả kết quả tại Bộ phận Một cửa hay qua bưu chính. Hồ sơ không thay đổi.",
                "There is no result file to return electronically: upload the (signed) result document to the "
                "dossier first, or return the result at the counter or by post. Nothing was changed.",
                code="no_result_file",
            )
    params = dict(params)  # checked and normalised here: the caller's dict stays as it was
    _require_params(action, params, dossier)
    paper = _paper_components(dossier, params["paper_components"]) if params.get("paper_components") else None
    if params.get("received_items"):
        # what was handed in on paper, named by the officer where the catalogue lists no components (Form 01)
        paper = (paper or []) + [
            {"order": None, "name": name} for name in _received_items(params["received_items"])
        ]
    cal = AgencyCalendar(dossier.agency)
    snap = snapshot_of(dossier, history)
    seq = history.count + 1
    lp = {}
    if action == "receive" and params.get("working_days") is not None:
        lp["limit_hours"] = _limit_hours(
            params["working_days"],
            dossier.procedure_version,
            catalog_selectors.agency_registered_days(dossier.procedure.code, dossier.agency.identifier),
        )
    for key in ("new_return_at", "outcome", "method"):
        if key in params:
            lp[key] = params[key]
    if action == "apologize" and "new_return_at" in lp:
        lp["new_return_at"] = params["new_return_at"] = appointment_instant(lp["new_return_at"], cal)
        _check_appointment(lp["new_return_at"], cal)
    try:
        new = lifecycle.apply(snap, action, at, lp, cal)
    except lifecycle.LifecycleError as exc:
        cls = Conflict if exc.conflict else Unprocessable
        raise cls(exc.message, exc.message_en, code=exc.code) from exc
    from_state = dossier.state
    paused_since = dossier.paused_since  # the pause a resume action ends (read before the snapshot is stored)
    step_order, data = _apply_steps(dossier, action, actor, params, at)
    if action in lifecycle.RESUME_ACTIONS and paused_since is not None:
        _resume_step(dossier, paused_since, at)
    store_snapshot(dossier, new)
    data.update({k: v for k, v in params.items() if k in EVENT_PARAM_KEYS and v not in (None, "", [])})
    if action == "receive":
        data.update(
            {
                "counting_starts_at": new.counting_starts_at,
                "due_at": new.due_at,
                "limit_hours": new.limit_hours,
            }
        )
        if paper:
            data["paper_components"] = paper
    if action in lifecycle.RESUME_ACTIONS:
        data.update({"paused_hours_total": new.paused_hours, "due_at": new.due_at})
    record_event(
        dossier,
        seq=seq,
        action=action,
        at=at,
        actor=actor,
        from_state=from_state,
        to_state=new.state,
        step_order=step_order,
        reason=params.get("reason", ""),
        data=data,
        file_hashes=params.get("file_hashes") or [],
    )
    dossier.version += 1
    if action == "receive":
        _instantiate_steps(dossier, at, actor)
    if action in ("resolve", "stop"):
        step = current_step(dossier)
        if step is not None:
            _complete_step(step, at, classify=action == "resolve")
    # The dossier's row last: on PostgreSQL its UPDATE fires the statistics trigger (ADR 0017), whose row lock on the
    # agency's statistics cell — shared by every reception of the agency that month — is held until the commit.
    _save_changes(dossier, before)
    return dossier


DAY_ONLY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


def appointment_instant(value, cal: AgencyCalendar):
    """A new return date (Form 04) given as a day alone — the API's "2026-12-10", a date — is that day's closing
    time at the agency (17:00 by default): what an officer means by "hẹn trả ngày 10/12/2026", as a same-day
    procedure is due at closing time (contract §2). Anything else is returned as given (ADR 0022 addendum)."""
    if isinstance(value, str) and DAY_ONLY.match(value):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            return value  # 2026-02-30: the lifecycle names it
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, cal.office_hours().afternoon_end, tzinfo=LOCAL)
    return value


def appointment_year_refusal(value) -> tuple[str, str]:
    """(Vietnamese, English) refusal of a new return date whose year the working calendar does not cover."""
    shown = f"{value:%d/%m/%Y}" if isinstance(value, dt.date) else str(value)
    return (
        f"Ngày hẹn trả mới {shown} không hợp lý: năm phải trong khoảng {CAL_MIN_YEAR}–{CAL_MAX_YEAR} (kiểm tra lại "
        "năm đã ghi).",
        f"The new return date {shown} is not plausible: the year must be within {CAL_MIN_YEAR}-{CAL_MAX_YEAR} "
        "(check the year typed).",
    )


def _check_appointment(value, cal: AgencyCalendar) -> None:
    """A new return date (Form 04) the office can keep: within office hours of a working day. (Live actions only:
    the migration import keeps what the previous system recorded.) The refusal says what is expected — a working
    day, the office hours, the format, with an example — and which of the two the value missed."""
    try:
        value = lifecycle.aware(value, "new_return_at")
    except lifecycle.LifecycleError:
        return  # missing or malformed: the lifecycle names it
    try:
        if cal.is_office_time(value):
            return
    except CalendarRangeError:  # a typo in the year (0001, 9999, 2206): no calendar to check it against
        raise Unprocessable(*appointment_year_refusal(value), code="bad_new_date") from None
    h = cal.office_hours()
    hours = h.text()
    local = timezone.localtime(value)
    day = local.date() if cal.is_working_day(local.date()) else cal.next_working_day(local.date())
    example = f"{day.isoformat()}T{h.afternoon_end:%H:%M}:00+07:00"
    how_vi = (
        f"Gửi ngày, giờ theo ISO 8601, ví dụ {example}, hoặc chỉ ngày ({day.isoformat()}) để hẹn đến "
        f"{h.afternoon_end:%H:%M} ngày đó."
    )
    how_en = (
        f"Send an ISO 8601 date and time, e.g. {example}, or the day alone ({day.isoformat()}) for "
        f"{h.afternoon_end:%H:%M} that day."
    )
    if not cal.is_working_day(local.date()):
        raise Unprocessable(
            f"Ngày hẹn trả mới phải là ngày làm việc: {local:%d/%m/%Y} là ngày nghỉ. {how_vi}",
            f"The new return date must be a working day: {local:%d/%m/%Y} is a day off. {how_en}",
            code="bad_new_date",
        )
    raise Unprocessable(
        f"Giờ hẹn trả mới phải trong giờ làm việc ({hours}): {local:%H:%M} ngày {local:%d/%m/%Y} là ngoài giờ "
        f"làm việc. {how_vi}",
        f"The new return time must be within office hours ({hours}): {local:%H:%M} on {local:%d/%m/%Y} is "
        f"outside them. {how_en}",
        code="bad_new_date",
    )


EVENT_PARAM_KEYS = {
    "items",
    "outcome",
    "method",
    "new_return_at",
    "amount",
    "note",
    "result_number",
    "tracking_number",
    "working_days",
    "paid_reference",
    "received_by",
    "idempotency_key",  # the API's Idempotency-Key: a retry finds the event it made (_action_replayed)
}


def _paper_components(dossier: Dossier, orders) -> list[dict]:
    """The procedure's components the officer received on paper at reception (by their order in the procedure),
    as the receive event records them: [{order, name}]. Unknown orders refuse the reception."""
    known = {
        order: name
        for _pk, order, name, _req in catalog_selectors.version_components(dossier.procedure_version_id)
    }
    if not isinstance(orders, list) or not all(type(o) is int for o in orders):
        raise Unprocessable(
            "Thành phần nhận bản giấy (paper_components) phải là danh sách số thứ tự thành phần.",
            "'paper_components' must be a list of the procedure's component numbers.",
            code="bad_components",
        )
    unknown = sorted(set(orders) - set(known))
    if unknown:
        raise Unprocessable(
            f"Thủ tục không có thành phần số {', '.join(map(str, unknown))}.",
            f"The procedure has no component number {', '.join(map(str, unknown))}.",
            code="bad_components",
        )
    return [{"order": o, "name": known[o]} for o in sorted(set(orders))]


MAX_RECEIVED_ITEMS = 50


def _received_items(items) -> list[str]:
    """The papers an officer received, named one by one ("Tờ khai đăng ký (bản chính)"), for a procedure whose
    catalogue lists no components: Form 01 printed "Theo danh mục thành phần hồ sơ của thủ tục", no proof of what
    the applicant left. Texts in NFC, one line each, at most MAX_RECEIVED_ITEMS of at most 500 characters."""
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise Unprocessable(
            "Giấy tờ đã nhận (received_items) phải là danh sách tên giấy tờ.",
            "'received_items' must be a list of the papers' names.",
            code="bad_components",
        )
    names = [nfc(" ".join(i.split())) for i in items]
    names = [n for n in names if n]
    if len(names) > MAX_RECEIVED_ITEMS or any(len(n) > 500 for n in names):
        raise Unprocessable(
            f"Giấy tờ đã nhận: tối đa {MAX_RECEIVED_ITEMS} dòng, mỗi dòng tối đa 500 ký tự.",
            f"'received_items': at most {MAX_RECEIVED_ITEMS} lines of at most 500 characters.",
            code="bad_components",
        )
    for n in names:
        check_text(n, "Giấy tờ đã nhận", "A received paper")
    return names


# The longest text an action takes (the web forms hold the same bounds): what goes into the event and the forms.
ACTION_TEXT_LIMITS = {
    "reason": (2000, "Lý do, nội dung"),
    "note": (1000, "Ghi chú"),
    "result_number": (200, "Số, ký hiệu văn bản kết quả"),
    "paid_reference": (200, "Số biên lai, chứng từ nộp tiền"),
    "tracking_number": (100, "Số vận đơn bưu chính"),
    "received_by": (255, "Người nhận kết quả"),
}
MAX_SUPPLEMENT_ITEMS = 100
SUPPLEMENT_ITEM_LIMITS = {"name": 500, "reason": 1000}


def check_action_texts(params: dict) -> None:
    """An action's text parameters are text within their bound (422 naming the field otherwise), in NFC; a reason
    keeps its line breaks (reasons listed one by one on Forms 02–05)."""
    for key, (limit, label) in ACTION_TEXT_LIMITS.items():
        value = params.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > limit:
            raise Unprocessable(
                f"{label} ({key}) phải là văn bản, tối đa {limit} ký tự.",
                f"'{key}' must be text of at most {limit} characters.",
                code="too_long" if isinstance(value, str) else "bad_text",
            )
        check_text(value, label, f"'{key}'", lines=key == "reason")
        params[key] = nfc_lines(value) if key == "reason" else nfc(value)


def _supplement_items(items) -> list[dict]:
    """The supplement request's list (Form 02): each item a {name, reason} of text — the document or content to
    supplement (required) and why — in NFC, within bounds; anything else is refused (422), not cut."""
    bad = Unprocessable(
        f"Danh sách giấy tờ cần bổ sung (items) phải gồm tối đa {MAX_SUPPLEMENT_ITEMS} mục, mỗi mục có 'name' (tên "
        "giấy tờ, nội dung, tối đa 500 ký tự) và 'reason' (lý do, tối đa 1000 ký tự), không có trường nào khác.",
        f"'items' must be a list of at most {MAX_SUPPLEMENT_ITEMS} {{name, reason}} objects (name required, at most "
        "500 characters; reason at most 1000), with no other fields.",
        code="bad_items",
    )
    if not isinstance(items, list) or len(items) > MAX_SUPPLEMENT_ITEMS:
        raise bad
    cleaned = []
    for item in items:
        if not isinstance(item, dict) or set(item) - set(SUPPLEMENT_ITEM_LIMITS):
            raise bad
        values = {key: item.get(key) if item.get(key) is not None else "" for key in SUPPLEMENT_ITEM_LIMITS}
        if not all(isinstance(v, str) for v in values.values()):
            raise bad
        check_text(
            values["name"], f"Mục cần bổ sung thứ {len(cleaned) + 1}, tên", f"Item {len(cleaned) + 1}'s name"
        )
        check_text(
            values["reason"],
            f"Mục cần bổ sung thứ {len(cleaned) + 1}, lý do",
            f"Item {len(cleaned) + 1}'s reason",
        )
        values = {key: nfc(v) for key, v in values.items()}
        if not values["name"] or any(len(values[k]) > limit for k, limit in SUPPLEMENT_ITEM_LIMITS.items()):
            raise bad
        cleaned.append(values)
    return cleaned


# The written texts an action's paper states (Form 02's items, Form 03's and the stop notice's reasons, Form 04's
# reason, the ineligibility notice's reasons, the payment request's amount). The staff pages require them; the API
# takes the action without them, since contract §7 names no such parameter and an integrating system may keep the
# text elsewhere, and its answer says under `warnings` what the paper lacks (ADR 0022 addendum).
_TEXT_WARNINGS = {
    "refuse": ("lý do từ chối tiếp nhận", "the reasons for refusing"),
    "request_supplement": ("giấy tờ, nội dung cần bổ sung và lý do", "the items to supplement and why"),
    "apologize": ("lý do chậm trả kết quả", "the reason for the delay"),
    "stop": ("lý do dừng giải quyết", "the reason for stopping"),
}


def missing_texts(action: str, params: dict) -> list[dict]:
    """What the written paper of `action` lacks in `params` (empty when nothing): {code, message, message_en}."""
    blank = not nfc(params.get("reason"))
    if action == "request_supplement":
        blank = blank and not params.get("items")
    if action == "resolve":
        wanted = ("lý do không đủ điều kiện giải quyết", "the reasons the dossier is ineligible")
        what = wanted if params.get("outcome") == "ineligible" and blank else None
    else:
        what = _TEXT_WARNINGS.get(action) if blank else None
    out = []
    if what:
        out.append(
            {
                "code": "missing_reason",
                "message": f"Đã thực hiện, nhưng không có {what[0]} (reason): văn bản in ra ghi "
                '"(không ghi lý do)"; văn bản gửi người nộp phải nêu rõ.',
                "message_en": f"Done, but without {what[1]} ('reason'): the printed paper reads "
                '"(không ghi lý do)"; the paper the applicant gets should state it.',
            }
        )
    if (
        action == "return_result"
        and params.get("method") == "post"
        and not nfc(params.get("tracking_number"))
    ):
        out.append(
            {
                "code": "missing_tracking_number",
                "message": "Đã thực hiện, nhưng không có số vận đơn bưu chính (tracking_number): không có bằng chứng "
                "đã gửi kết quả, người nộp không theo dõi được bưu gửi.",
                "message_en": "Done, but without the postal tracking number ('tracking_number'): nothing proves "
                "the result was sent, and the applicant cannot follow the parcel.",
            }
        )
    if action == "request_payment" and params.get("amount") is None:
        out.append(
            {
                "code": "missing_amount",
                "message": "Đã thực hiện, nhưng không có số tiền phải nộp (amount): người nộp không thanh toán "
                "trực tuyến được và thông báo không ghi số tiền.",
                "message_en": "Done, but without the amount due ('amount'): the applicant cannot pay online and "
                "the notice states no amount.",
            }
        )
    return out


def missing_components(dossier: Dossier, paper_orders=()) -> list[dict]:
    """The warning of a reception through the API that recorded neither a file nor a paper copy
    (`paper_components`) of a required component: the staff page refuses such a reception (a missing item is
    asked for in writing, Form 02), the API takes it — an integrating system may hold the papers elsewhere — and
    its answer names the components, which Form 01 does not list as handed in. Empty when nothing is missing."""
    from .selectors import documents_of

    on_file = {d.component_id for d in documents_of(dossier)}
    paper = set(paper_orders or ())
    missing = [
        (order, name)
        for pk, order, name, required in catalog_selectors.version_components(dossier.procedure_version_id)
        if required and pk not in on_file and order not in paper
    ]
    if not missing:
        return []
    listed = "; ".join(f"{order}. {name}" for order, name in missing)
    return [
        {
            "code": "missing_components",
            "message": "Đã tiếp nhận, nhưng thành phần bắt buộc sau chưa có tệp và không được ghi nhận bản giấy "
            f"(paper_components): {listed}. Giấy tiếp nhận (Mẫu 01) không liệt kê các thành phần này; hồ sơ còn "
            "thiếu thì phải hướng dẫn bổ sung bằng văn bản (Mẫu 02).",
            "message_en": "Received, but these required components have no file and were not recorded as handed in "
            f"on paper ('paper_components'): {listed}. The receipt (Form 01) does not list them; a dossier missing "
            "an item is to be asked for it in writing (Form 02).",
            "components": [order for order, _name in missing],
        }
    ]


def _require_params(action: str, params: dict, dossier: Dossier) -> None:
    if "step" in params and params["step"] is not None and action in ("assign", "hand_over"):
        _check_step_named(action, params["step"], dossier)
    if (
        action == "hand_over"
        and params.get("within_agency") is not None
        and type(params["within_agency"]) is not bool
    ):
        raise Unprocessable(
            "Chuyển cho cán bộ trong cơ quan (within_agency) phải là true hoặc false.",
            "'within_agency' must be true or false.",
            code="bad_within_agency",
        )
    for key, vi in (
        ("received_items", "Giấy tờ đã nhận (received_items)"),
        ("paper_components", "Thành phần nhận bản giấy"),
    ):
        if params.get(key) is not None and action != "receive":
            raise Unprocessable(
                f"{vi} chỉ ghi khi tiếp nhận hồ sơ.",
                f"'{key}' is recorded at reception only.",
                code="bad_components",
            )
    if action == "hand_over" and params.get("hours") is not None and not params.get("to_agency"):
        # the hours are the partner agency's budget: without one they would be dropped without a word
        raise Unprocessable(
            "Thời gian xử lý (hours) chỉ dùng khi chuyển liên thông: ghi cơ quan phối hợp (to_agency), hoặc bỏ "
            "hours. Hồ sơ không thay đổi.",
            "'hours' is the partner agency's budget: send it with 'to_agency', or leave it out. Nothing was changed.",
            code="bad_hours",
        )
    if action == "return_result" and nfc(params.get("tracking_number")) and params.get("method") != "post":
        # kept with another method, the log and Form 06 read "at the counter, tracking no. …"
        raise Unprocessable(
            "Số vận đơn (tracking_number) chỉ ghi khi gửi kết quả qua bưu chính (method 'post'). Hồ sơ không "
            "thay đổi.",
            "'tracking_number' goes with a return by post (method 'post') only. Nothing was changed.",
            code="bad_tracking_number",
        )
    check_action_texts(params)
    if action == "request_supplement" and params.get("items") is not None:
        params["items"] = _supplement_items(params["items"])
    if action == "request_payment" and params.get("amount") is not None:
        _number(
            params.get("amount"),
            key="amount",
            vi="Số tiền phải nộp (đồng)",
            en="the amount due in đồng",
            low=Decimal(0),
            high=MAX_AMOUNT,
            above=True,
            whole=True,
            code="bad_amount",
        )
        # whole đồng, kept as a whole number: a JSON client's 150000.0 is 150000 in the event and on the forms
        params["amount"] = int(Decimal(str(params["amount"])))


def _check_step_named(action: str, step, dossier: Dossier) -> None:
    """A step named with assign (the step to assign) is a step's number; with hand_over (the step being completed)
    it must be the step under way: a client that names one is told when the dossier has moved on (it was ignored
    and the current step, whichever it was, completed). Reads the steps the permission check has loaded."""
    if type(step) is not int or step < 1:
        raise Unprocessable(
            "Bước xử lý (step) phải là số thứ tự của một bước, từ 1.",
            "'step' must be a step's number, from 1.",
            code="bad_step",
        )
    if action != "hand_over":
        return
    current = current_step(dossier)
    if current is None:
        raise Conflict(
            f"Hồ sơ không có bước xử lý nào đang thực hiện; không chuyển bước {step}. Hồ sơ không thay đổi.",
            f"No step of the dossier is under way; step {step} was not handed over. Nothing was changed.",
            code="wrong_step",
        )
    if current.order != step:
        raise Conflict(
            f"Bước {step} không phải bước đang thực hiện: hồ sơ đang ở bước {current.order} ({current.actor}). "
            "Hồ sơ không thay đổi; tải lại hồ sơ trước khi chuyển bước.",
            f"Step {step} is not the step under way: the dossier is at step {current.order}. Nothing was "
            "changed; reload the dossier before handing over.",
            code="wrong_step",
        )


def _user_by_username(username: str):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise Unprocessable(
            f"Không có cán bộ '{username}'.", f"No staff member '{username}'.", code="bad_assignee"
        )
    return user


# The line of the internal process, lowest first: a step of one of these roles may also be given to a holder of a
# role above it in the step's agency (a head takes over a specialist's appraisal, the agency's leader a unit head's
# review), never to one below it or outside the line (the one-stop officer does not appraise, a specialist does
# not sign for the head).
PROCESS_LINE = (Role.SPECIALIST, Role.UNIT_HEAD, Role.LEADER)


def may_hold_step(roles: set[str], step_role: str) -> bool:
    """Whether someone holding `roles` in a step's agency may be given a step of `step_role` ("" or a role outside
    the line: any working role)."""
    if not step_role or step_role in roles:
        return True
    if step_role not in PROCESS_LINE:
        return step_role not in WORKING_ROLES
    rank = PROCESS_LINE.index(step_role)
    return any(r in PROCESS_LINE and PROCESS_LINE.index(r) >= rank for r in roles)


def may_be_given(roles: set[str], step: DossierStep) -> bool:
    """Whether a working staff member of the step's agency holding `roles` there may be given `step`: a step of the
    receiving agency's own process by its role line (`may_hold_step`); a partner agency's (liên thông) step by any
    of the partner's working staff, as the partner organises itself (a ward's only staff member may be its one-stop
    officer)."""
    return step.agency_id != step.dossier.agency_id or may_hold_step(roles, step.role)


def _step_assignee(username, step: DossierStep):
    """The active staff member `username` of the step's agency, holding the step's role (or one above it in the
    process line), to whom the step is assigned (assign) or handed over (hand_over's `to`); Unprocessable for anyone
    else (a citizen, another agency's staff, a colleague of another role)."""
    assignee = _user_by_username(str(username or "")[:150])
    roles = set(working_staff([step.agency_id]).filter(user=assignee).values_list("role", flat=True))
    if not roles:
        raise Unprocessable(
            f"Cán bộ '{assignee.username}' không thuộc cơ quan thực hiện bước này ({step.agency.name}).",
            f"'{assignee.username}' is not staff of the step's agency ({step.agency.name}).",
            code="bad_assignee",
        )
    if not may_be_given(roles, step):
        with translation.override("vi"):
            wanted = str(Role(step.role).label) if step.role in Role.values else step.role
        with translation.override("en"):
            wanted_en = str(Role(step.role).label) if step.role in Role.values else step.role
        raise Unprocessable(
            f"Bước {step.order} ({step.actor}) do {wanted.lower()} thực hiện; cán bộ '{assignee.username}' không "
            "giữ vai trò này (hoặc vai trò lãnh đạo cao hơn) tại cơ quan. Chọn người giữ vai trò của bước.",
            f"Step {step.order} ({step.actor}) is worked by a {wanted_en.lower()}; '{assignee.username}' holds no "
            "such role (nor a head's role above it) in the agency. Choose a holder of the step's role.",
            code="bad_assignee",
        )
    return assignee


def _sole_candidate(step: DossierStep):
    """Whom `assign` gives the step when nobody is named: the one active staff member of the step's agency (and
    unit, when the step names one) holding the step's role — a unit of one specialist needs no choice. With
    several, or none, the caller is told to name one (422, listing them)."""
    from django.contrib.auth import get_user_model

    roles = (
        working_staff([step.agency_id]).filter(role=step.role)
        if step.role
        else working_staff([step.agency_id])
    )
    if step.unit_id:
        roles = roles.filter(unit_id=step.unit_id)
    users = list(get_user_model().objects.filter(pk__in=roles.values("user_id")).order_by("username")[:11])
    if len(users) == 1:
        return users[0]
    if users:
        names = ", ".join(u.username for u in users[:10]) + (", …" if len(users) > 10 else "")
        vi, en = f" Có thể giao cho: {names}.", f" It can be given to: {names}."
    else:
        vi = f" {step.agency.name} không có cán bộ nào giữ vai trò của bước này."
        en = f" {step.agency.name} has no staff member in the step's role."
    raise Unprocessable(
        f"Chưa chọn cán bộ nhận bước {step.order} ({step.actor}) (assignee)." + vi,
        f"Name the staff member to give step {step.order} to ('assignee')." + en,
        code="bad_assignee",
    )


def _bad_step(order, step, steps) -> Unprocessable:
    """Why a step cannot be assigned, naming it and the steps that can be."""
    open_orders = [s.order for s in steps if not s.completed_at]
    if open_orders:
        left = ", ".join(str(o) for o in open_orders)
        left_vi, left_en = (
            f" Các bước còn phân công được: {left}.",
            f" Steps that can still be assigned: {left}.",
        )
    else:
        left_vi, left_en = " Mọi bước đã hoàn thành.", " Every step is completed."
    if order is None:
        return Unprocessable(
            "Hồ sơ không có bước đang xử lý: hãy chọn bước cần phân công." + left_vi,
            "The dossier has no step in progress: name the step to assign." + left_en,
            code="bad_step",
        )
    if step is None:
        return Unprocessable(
            f"Quy trình của hồ sơ không có bước {order}." + left_vi,
            f"The dossier's process has no step {order}." + left_en,
            code="bad_step",
        )
    return Unprocessable(
        f"Bước {order} ({step.actor}) đã hoàn thành lúc {timezone.localtime(step.completed_at):%d/%m/%Y %H:%M}; "
        "không phân công lại được." + left_vi,
        f"Step {order} ({step.actor}) was completed at {timezone.localtime(step.completed_at):%d/%m/%Y %H:%M}; "
        "it cannot be assigned again." + left_en,
        code="bad_step",
    )


def _apply_steps(
    dossier: Dossier, action: str, actor, params: dict, at: dt.datetime
) -> tuple[int | None, dict]:
    """Step bookkeeping for assign / hand_over. Returns (step order, event data)."""
    if action not in ("assign", "hand_over"):
        step = current_step(dossier)
        data = {}
        if action in lifecycle.PAUSE_ACTIONS and step is not None and step.agency_id != dossier.agency_id:
            data = _asked_during_partner_step(dossier, step, action, actor)
        return (step.order if step else None), data
    steps = steps_of(dossier)
    current = next((s for s in steps if s.started_at and not s.completed_at), None)
    if action == "assign":
        order = params.get("step") or (current.order if current else None)
        step = next((s for s in steps if s.order == order), None)
        if step is None or step.completed_at:
            raise _bad_step(order, step, steps)
        if not may_assign_step(actor, step):
            raise PermissionDenied(
                f"Bước {step.order} do {step.agency.name} thực hiện; chỉ lãnh đạo, cán bộ của cơ quan đó phân công.",
                f"Step {step.order} is {step.agency.name}'s; only that agency's heads or officers assign it.",
                code="forbidden",
            )
        previous = step.assignee
        named = params.get("assignee")
        step.assignee = assignee = _step_assignee(named, step) if named else _sole_candidate(step)
        step.save(update_fields=["assignee"])
        data = {"assignee": assignee.username, "step_actor": step.actor}
        if previous is not None and previous.pk != assignee.pk:  # a reassignment names whom the work left
            data["previous_assignee"] = previous.username
        return step.order, data
    if params.get("within_agency"):
        return _hand_within_agency(dossier, current, actor, params, at)
    # hand_over: complete the current step and start the next (optionally to a named person / another agency)
    data: dict = {}
    to_agency_id = params.get("to_agency")
    nxt = next(
        (s for s in steps if s.started_at is None and (current is None or s.order > current.order)), None
    )
    if params.get("to") and nxt is None and not to_agency_id:
        # a receiver named where no step follows would be dropped: the sender is told instead
        raise Unprocessable(
            f"Không có bước tiếp theo để chuyển cho cán bộ '{params['to']}': bước đang thực hiện là bước cuối của "
            "quy trình. Bỏ người nhận để hoàn thành bước, hoặc chuyển liên thông. Hồ sơ không thay đổi.",
            f"No step follows to hand over to '{params['to']}': the current step is the process's last. Leave "
            "the receiver out to complete the step, or hand over to another agency. Nothing was changed.",
            code="no_next_step",
        )
    if current is not None:
        _complete_step(current, at)
        data.update(
            {
                "from_step": current.order,
                "from_actor": current.actor,
                "from_agency": current.agency.identifier,
                "step_result": current.classification,
                "giver": actor.get_username(),
            }
        )
    if to_agency_id:
        partner = Agency.objects.filter(identifier=identifier_form(to_agency_id)).first()
        if partner is None:
            raise Unprocessable(
                f"Không có cơ quan '{to_agency_id}' để chuyển liên thông.",
                f"No agency '{to_agency_id}' to hand over to.",
                code="bad_agency",
            )
        hours = _number(
            params.get("hours"),
            key="hours",
            vi="Thời gian xử lý của bước liên thông (giờ làm việc)",
            en="the inter-agency step's budget in working hours",
            low=Decimal(0),
            high=MAX_STEP_HOURS,
            above=True,
            code="bad_hours",
        )
        order = (current.order if current else 0) + 1
        dossier.steps.filter(order__gte=order).update(order=F("order") + 1000)
        for s in dossier.steps.filter(order__gte=1000).order_by("order"):
            s.order = s.order - 1000 + 1
            s.save(update_fields=["order"])
        forget_steps(dossier)
        nxt = DossierStep.objects.create(
            dossier=dossier,
            order=order,
            label="Liên thông",
            actor=partner.name,
            role=Role.SPECIALIST,
            task=nfc(params.get("note")) or INTER_AGENCY_TASK,
            agency=partner,
            inter_agency=True,
            hours=hours,
        )
    if nxt is not None:
        if params.get("to"):
            nxt.assignee = _step_assignee(params["to"], nxt)
        _start_step(dossier, nxt, at)
        data.update(
            {
                "to_step": nxt.order,
                "to_actor": nxt.actor,
                "to_agency": nxt.agency.identifier,
                "receiver": nxt.assignee.username if nxt.assignee else "",
                "step_due_at": nxt.due_at,
                "inter_agency": nxt.inter_agency,
            }
        )
        return nxt.order, data
    return (current.order if current else None), data


def _hand_within_agency(
    dossier: Dossier, current: DossierStep | None, actor, params: dict, at: dt.datetime
) -> tuple[int, dict]:
    """hand_over with `within_agency`: during a partner agency's inter-agency step, its holder passes the step to
    `to`, a colleague of that agency (its head, to sign the reply: trình ký). The step stays under way with the
    same due instant — the partner's work keeps one budget —, only its holder changes; the event records giver,
    receiver, the step's due instant and how the work stood against it (`part_result`). ADR 0004, addendum
    28/11/2026. Everything is checked before the step is written."""
    if current is None or not current.inter_agency or current.agency_id == dossier.agency_id:
        raise Conflict(
            "Hồ sơ không ở bước liên thông của cơ quan phối hợp: chỉ chuyển cho cán bộ trong cơ quan "
            "(within_agency) khi bước đang thực hiện là bước liên thông. Hồ sơ không thay đổi.",
            "The dossier is not at a partner agency's inter-agency step: 'within_agency' hands such a step to a "
            "colleague of that agency only. Nothing was changed.",
            code="not_inter_agency",
        )
    if params.get("to_agency") or params.get("hours") is not None:
        raise Unprocessable(
            "Chuyển cho cán bộ trong cơ quan (within_agency) không kèm chuyển liên thông (to_agency, hours): "
            "bước liên thông giữ nguyên thời hạn.",
            "'within_agency' does not go with 'to_agency' or 'hours': the inter-agency step keeps its due time.",
            code="bad_within_agency",
        )
    if not params.get("to"):
        raise Unprocessable(
            "Thiếu cán bộ nhận (to) trong cơ quan thực hiện bước liên thông.",
            "'to' is required with 'within_agency': the colleague of the step's agency who takes the step.",
            code="bad_assignee",
        )
    receiver = _step_assignee(params["to"], current)
    if receiver.pk == actor.pk or receiver.pk == current.assignee_id:
        raise Unprocessable(
            f"Cán bộ '{receiver.username}' đang giữ bước này; chọn cán bộ khác của {current.agency.name}.",
            f"'{receiver.username}' already holds this step; choose another colleague of {current.agency.name}.",
            code="bad_assignee",
        )
    current.assignee = receiver
    current.save(update_fields=["assignee"])
    data = {
        "within_agency": True,
        "from_step": current.order,
        "from_actor": current.actor,
        "from_agency": current.agency.identifier,
        "giver": actor.get_username(),
        "to_step": current.order,
        "to_actor": current.actor,
        "to_agency": current.agency.identifier,
        "receiver": receiver.username,
        "step_due_at": current.due_at,
        "inter_agency": True,
    }
    if current.due_at is not None:
        data["part_result"] = lifecycle.classify(at, current.due_at)
    return current.order, data


def _asked_during_partner_step(dossier: Dossier, step: DossierStep, action: str, actor) -> dict:
    """What a supplement or payment request made while an inter-agency step is under way records beside its actor:
    the agency holding the dossier (`step_agency`) and the agency in whose name the actor asked
    (`requesting_agency`) — the step's agency for its own work (a tax office's payment notice, STEP_AGENCY_ACTIONS),
    else the receiving agency. The forms read them: Form 02 is still sent by the receiving agency's one-stop unit,
    "theo đề nghị của" a partner that asked, and the control slip names who asked (ADR 0019, 29/11/2026)."""
    own = _roles_in(actor, {dossier.agency_id}) if actor is not None else set()
    at_step = _roles_in(actor, {step.agency_id}) if actor is not None else set()
    partner_asks = bool(at_step) and (not own or action in STEP_AGENCY_ACTIONS)
    return {
        "step_agency": step.agency.identifier,
        "requesting_agency": step.agency.identifier if partner_asks else dossier.agency.identifier,
    }


def snapshot_dict(snap: lifecycle.Snapshot) -> dict:
    return asdict(snap)


__all__ = [
    "dossier_file",
    "dossier_act",
    "verify_chain",
    "may_read",
    "may_act",
    "allowed_actions",
    "DomainError",
]
