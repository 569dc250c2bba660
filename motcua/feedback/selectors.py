"""Reads on ratings and PAKN: the statistics the reports read for the Decision 766 satisfaction group, the
public list of public answers (no personal data), and the staff list.

Periods are local dates [date_from, date_to], inclusive, in Asia/Ho_Chi_Minh. An agency scope includes its
sub-agencies (Agency.path prefix).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from motcua.core.text import identifier_form, nfc
from motcua.dossiers.selectors import in_field
from motcua.org.models import Agency
from motcua.org.selectors import readable_agency_filter
from motcua.workdays.services import working_hours_between

from . import redaction
from .models import (
    OPEN_STATUSES,
    SATISFIED_LEVELS,
    Channel,
    Criterion,
    Feedback,
    Kind,
    Level,
    Rating,
    Status,
    shown_label,
)

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
# A PAKN is "due soon" when at most this many working hours are left (two working days).
DUE_SOON_HOURS = Decimal(16)


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator × 100, rounded half-up to 2 decimals; None when there is no data."""
    if not denominator:
        return None
    return float((Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _average(total: int, count: int) -> float | None:
    if not count:
        return None
    return float((Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def period_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) as aware datetimes: local midnight of date_from to local midnight after date_to."""
    if date_from > date_to:
        raise ValueError("date_from must not be after date_to")
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=LOCAL)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL)
    return start, end


def _agency(agency) -> Agency | None:
    if agency is None or isinstance(agency, Agency):
        return agency
    found = Agency.objects.filter(identifier=identifier_form(str(agency))).first()
    if found is None:
        raise Agency.DoesNotExist(f"No agency '{agency}'")
    return found


# --- satisfaction ---------------------------------------------------------------------------------------------


def satisfaction_stats(
    *, date_from: dt.date, date_to: dt.date, agency=None, field=None, procedure=None
) -> dict:
    """Ratings given in the period (by their time), for dossiers of `agency` and its sub-agencies (of the field
    `field`, of the procedure `procedure`, when given: as the overseer's page and `ratings_in` filter them).

    Returns {"ratings", "satisfied" (Rất hài lòng + Hài lòng), "satisfied_rate" (% or None), "by_level"
    {"4": n, "3": n, "2": n, "1": n}, "by_channel" {"account": n, "receipt": n, "counter": n}, "overall_average" (1–4 or None), "criteria": [{"code", "label",
    "count", "average"}] for every active criterion plus any no-longer-active one that was scored}."""
    start, end = period_bounds(date_from, date_to)
    scope = _agency(agency)
    qs = Rating.objects.filter(created_at__gte=start, created_at__lt=end)
    if scope is not None:
        qs = qs.filter(dossier__agency__path__startswith=scope.path)
    if field is not None:
        qs = qs.filter(in_field(field.pk, via="dossier__"))
    if procedure is not None:
        qs = qs.filter(dossier__procedure=procedure)
    by_level = {str(v): 0 for v in sorted(Level.values, reverse=True)}
    by_channel = dict.fromkeys(Channel.values, 0)
    for row in qs.values("overall", "channel").annotate(n=Count("pk")):
        by_level[str(row["overall"])] += row["n"]
        by_channel[row["channel"]] = by_channel.get(row["channel"], 0) + row["n"]
    count = sum(by_level.values())
    satisfied = sum(by_level[str(v)] for v in SATISFIED_LEVELS)
    overall_total = sum(int(k) * n for k, n in by_level.items())
    sums: dict[str, list[int]] = {}
    for scores in qs.values_list("scores", flat=True):
        for code, value in (scores or {}).items():
            if isinstance(value, int) and value in Level.values:
                s = sums.setdefault(code, [0, 0])
                s[0] += value
                s[1] += 1
    criteria = []
    known = set()
    for c in Criterion.objects.all():
        known.add(c.code)
        total, n = sums.get(c.code, (0, 0))
        if c.active or n:
            criteria.append(
                {
                    "code": c.code,
                    "label": c.label,
                    "label_en": c.label_en,
                    "count": n,
                    "average": _average(total, n),
                }
            )
    for code in sorted(set(sums) - known):  # criterion deleted since
        total, n = sums[code]
        criteria.append(
            {"code": code, "label": code, "label_en": "", "count": n, "average": _average(total, n)}
        )
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "agency": scope.identifier if scope else None,
        "ratings": count,
        "satisfied": satisfied,
        "satisfied_rate": rate(satisfied, count),
        "by_level": by_level,
        "by_channel": by_channel,
        "overall_average": _average(overall_total, count),
        "criteria": criteria,
    }


def ratings_in(
    *,
    date_from: dt.date,
    date_to: dt.date,
    agency,
    levels: tuple[int, ...] = (),
    own: bool = False,
    field=None,
) -> QuerySet[Rating]:
    """The ratings given in the period for dossiers of `agency` and its sub-agencies (of `agency` itself with
    `own`; of the field `field` only, and those at `levels` only, when given), newest first: what the leader reads
    behind the satisfaction figures."""
    start, end = period_bounds(date_from, date_to)
    qs = Rating.objects.filter(created_at__gte=start, created_at__lt=end)
    if field is not None:
        qs = qs.filter(in_field(field.pk, via="dossier__"))
    scope = _agency(agency)
    if scope is not None:
        qs = (
            qs.filter(dossier__agency=scope)
            if own
            else qs.filter(dossier__agency__path__startswith=scope.path)
        )
    if levels:
        qs = qs.filter(overall__in=levels)
    return qs.select_related("dossier__agency", "dossier__procedure", "recorded_by").order_by(
        "-created_at", "-pk"
    )


# how many ratings, and how many of them satisfied: as an aggregate or per group
_SUMMARY = {"n": Count("pk"), "ok": Count("pk", filter=Q(overall__in=SATISFIED_LEVELS))}


def _summary(row: dict) -> dict:
    return {"ratings": row["n"], "satisfied": row["ok"], "satisfied_rate": rate(row["ok"], row["n"])}


def satisfaction_summary(ratings: QuerySet[Rating]) -> dict:
    """{"ratings", "satisfied", "satisfied_rate"} of a set of ratings (e.g. `ratings_in`)."""
    return _summary(ratings.order_by().aggregate(**_SUMMARY))


def satisfaction_by_agency(
    *, date_from: dt.date, date_to: dt.date, agency_ids, field=None
) -> dict[int, dict]:
    """Per agency (its own dossiers, not its sub-agencies'; of the field `field` only, when given): {agency id:
    {"ratings", "satisfied", "satisfied_rate"}} for the ratings given in the period — one grouped query, for the
    overseers' ranking."""
    start, end = period_bounds(date_from, date_to)
    qs = Rating.objects.filter(
        created_at__gte=start, created_at__lt=end, dossier__agency_id__in=list(agency_ids)
    )
    if field is not None:
        qs = qs.filter(in_field(field.pk, via="dossier__"))
    rows = qs.values("dossier__agency_id").annotate(**_SUMMARY)
    return {r["dossier__agency_id"]: _summary(r) for r in rows}


def criterion_labels() -> dict[str, str]:
    """Every criterion's label in the interface language, by code."""
    return {
        code: shown_label(label, label_en)
        for code, label, label_en in Criterion.objects.values_list("code", "label", "label_en")
    }


def score_rows(scores: dict, labels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """A rating's per-criterion scores as (criterion label, level label), in the order scored. `labels` (code →
    label, `criterion_labels`) saves the query when many ratings are shown."""
    if labels is None:
        labels = criterion_labels()
    return [
        (labels.get(code, code), Level(value).label)
        for code, value in scores.items()
        if value in Level.values
    ]


# --- PAKN -----------------------------------------------------------------------------------------------------


def pakn_stats(*, date_from: dt.date, date_to: dt.date, agency=None, now: dt.datetime | None = None) -> dict:
    """PAKN handled by `agency` and its sub-agencies in the period.

    - received: received in the period; complaints_count: of those, complaints about handling (khiếu nại);
    - answered: answered in the period; answered_on_time: of those, answered_at ≤ due_at; answered_late;
    - rejected: refused (not under competence, duplicate…) in the period — outside the on-time rate;
    - at the end of the period (or now, if sooner): pending = received and neither answered nor rejected yet;
      overdue = pending past its due_at; pending_within = pending − overdue;
    - on_time_rate = answered_on_time / (answered + overdue) × 100: the share of PAKN under the agency's
      competence handled on time (Decision 766, satisfaction group) — an unanswered overdue PAKN counts
      against it; None when there is no data;
    - sender_evaluated / sender_dissatisfied: of the PAKN answered in the period, those whose sender evaluated the
      answer / said "Không hài lòng", whenever they did so before `now` (an evaluation comes after the answer,
      often after the period's end: it counts for the period of the answer);
    - satisfaction_rate = (answered − sender_dissatisfied) / answered × 100 (Decision 766: "(total PAKN − those
      marked không hài lòng …) / total PAKN"); a PAKN not evaluated is not dissatisfied; None without answers.
    """
    start, end = period_bounds(date_from, date_to)
    now = now or timezone.now()
    cut = min(end, now)
    scope = _agency(agency)
    qs = Feedback.objects.all()
    if scope is not None:
        qs = qs.filter(agency__path__startswith=scope.path)
    # Bounded by `cut` as well, so that a `now` inside the period sees the state of affairs at that instant.
    counts = qs.aggregate(**_pakn_aggregates(start, cut, now))
    return pakn_from_counts(date_from, date_to, scope, counts)


def _pakn_aggregates(start: dt.datetime, cut: dt.datetime, now: dt.datetime) -> dict:
    """The aggregates of PAKN_COUNTS for a period starting at `start`, seen at `cut` (its end, or now if sooner),
    with the senders' evaluations given before `now`: the one definition of each figure, for one period
    (`pakn_stats`) and for many (`pakn_counts_by_agency`)."""
    received = Q(received_at__gte=start, received_at__lt=cut)
    answered = Q(answered_at__gte=start, answered_at__lt=cut)
    evaluated = answered & Q(sender_evaluated_at__lt=now)
    pending = (
        Q(received_at__lt=cut)
        & (Q(answered_at__isnull=True) | Q(answered_at__gte=cut))
        & (Q(rejected_at__isnull=True) | Q(rejected_at__gte=cut))
    )
    return {
        "received": Count("pk", filter=received),
        "complaints_count": Count("pk", filter=received & Q(kind=Kind.COMPLAINT)),
        "answered": Count("pk", filter=answered),
        "answered_on_time": Count("pk", filter=answered & Q(on_time=True)),
        "rejected": Count("pk", filter=Q(rejected_at__gte=start, rejected_at__lt=cut)),
        "pending": Count("pk", filter=pending),
        "overdue": Count("pk", filter=pending & Q(due_at__lt=cut)),
        "sender_evaluated": Count("pk", filter=evaluated),
        "sender_dissatisfied": Count("pk", filter=evaluated & Q(sender_satisfied=False)),
    }


# --- the same figures for many periods and agencies at once (Decision 766 report by period and sub-agency) ---

# periods aggregated per query (a few aggregates each: well within SQLite's column limit)
MANY_CHUNK = 60
PAKN_COUNTS = (
    "received",
    "complaints_count",
    "answered",
    "answered_on_time",
    "rejected",
    "pending",
    "overdue",
    "sender_evaluated",
    "sender_dissatisfied",
)


def _chunks(items: list, size: int = MANY_CHUNK):
    for i in range(0, len(items), size):
        yield i, items[i : i + size]


def pakn_counts_by_agency(
    *, periods: list[tuple[dt.date, dt.date]], agency=None, now: dt.datetime | None = None
) -> dict[int, list[dict]]:
    """{agency id: [the counts of `pakn_stats` (PAKN_COUNTS) of that agency's own PAKN, for each period]} for
    the agencies of `agency`'s subtree that have PAKN — one grouped query per 60 periods. Counts add up: the
    figures of a scope are the sums over its agencies (`pakn_from_counts`)."""
    now = now or timezone.now()
    scope = _agency(agency)
    qs = Feedback.objects.all()
    if scope is not None:
        qs = qs.filter(agency__path__startswith=scope.path)
    out: dict[int, list[dict]] = {}
    for offset, chunk in _chunks(periods):
        aggregates = {}
        for j, (date_from, date_to) in enumerate(chunk):
            start, end = period_bounds(date_from, date_to)
            cut = min(end, now)  # as pakn_stats
            aggregates.update({f"{k}_{j}": v for k, v in _pakn_aggregates(start, cut, now).items()})
        for row in qs.values("agency_id").order_by().annotate(**aggregates):
            lists = out.setdefault(row["agency_id"], [{} for _p in periods])
            for j in range(len(chunk)):
                lists[offset + j] = {k: int(row[f"{k}_{j}"] or 0) for k in PAKN_COUNTS}
    for lists in out.values():
        for i, counts in enumerate(lists):
            lists[i] = counts or dict.fromkeys(PAKN_COUNTS, 0)
    return out


def pakn_from_counts(date_from: dt.date, date_to: dt.date, agency: Agency | None, counts: dict) -> dict:
    """The dict of `pakn_stats` from its counts (PAKN_COUNTS, e.g. summed over agencies)."""
    counts = {k: int(counts.get(k) or 0) for k in PAKN_COUNTS}
    counts["answered_late"] = counts["answered"] - counts["answered_on_time"]
    counts["pending_within"] = counts["pending"] - counts["overdue"]
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "agency": agency.identifier if agency else None,
        **counts,
        "on_time_rate": rate(counts["answered_on_time"], counts["answered"] + counts["overdue"]),
        "satisfaction_rate": rate(counts["answered"] - counts["sender_dissatisfied"], counts["answered"]),
    }


def rating_counts_by_agency(*, periods: list[tuple[dt.date, dt.date]], agency=None) -> dict[int, list[tuple]]:
    """{agency id: [(ratings, satisfied) given in each period for that agency's own dossiers]} over `agency`'s
    subtree — the "ratings" and "satisfied" of `satisfaction_stats`, summed over a scope's agencies."""
    scope = _agency(agency)
    qs = Rating.objects.all()
    if scope is not None:
        qs = qs.filter(dossier__agency__path__startswith=scope.path)
    out: dict[int, list[tuple]] = {}
    for offset, chunk in _chunks(periods):
        aggregates = {}
        for j, (date_from, date_to) in enumerate(chunk):
            start, end = period_bounds(date_from, date_to)
            given = Q(created_at__gte=start, created_at__lt=end)
            aggregates[f"n_{j}"] = Count("pk", filter=given)
            aggregates[f"ok_{j}"] = Count("pk", filter=given & Q(overall__in=SATISFIED_LEVELS))
        for row in qs.values("dossier__agency_id").order_by().annotate(**aggregates):
            lists = out.setdefault(row["dossier__agency_id"], [(0, 0)] * len(periods))
            for j in range(len(chunk)):
                lists[offset + j] = (int(row[f"n_{j}"] or 0), int(row[f"ok_{j}"] or 0))
    return out


def due_status(fb: Feedback, now: dt.datetime | None = None) -> str:
    """'overdue', 'due_soon' (at most two working days left) or '' — only for open PAKN."""
    if fb.status not in OPEN_STATUSES:
        return ""
    now = now or timezone.now()
    if now > fb.due_at:
        return "overdue"
    if working_hours_between(now, fb.due_at, agency=fb.agency) <= DUE_SOON_HOURS:
        return "due_soon"
    return ""


DISSATISFIED = "khong-hai-long"  # the staff list's filter: answers the sender was not satisfied with


def staff_feedback(user, *, status: str = "", q: str = "") -> QuerySet[Feedback]:
    """PAKN of the agencies the user may read (overseers/leaders: the subtree), open ones first by due date.
    `status`: "open", "all"/"", a Status, or DISSATISFIED (answers the sender said "Không hài lòng" about)."""
    qs = Feedback.objects.select_related("agency", "dossier", "procedure", "taken_by").filter(
        readable_agency_filter(user)
    )
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status == DISSATISFIED:
        qs = qs.filter(sender_satisfied=False)
    elif status in Status.values:
        qs = qs.filter(status=status)
    if q:
        q = q.strip()
        qs = qs.filter(Q(reference__icontains=q) | Q(title__icontains=q) | Q(dossier__code__icontains=q))
    open_first = Case(
        When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return qs.annotate(_closed=open_first).order_by("_closed", "due_at", "pk")


def sender_notification_key(template: str, fb: Feedback) -> str:
    """The outbox key of a notification to the PAKN's sender (one per PAKN and template: a retry queues nothing
    new); `services._notify_sender` queues with it, `sender_notifications` finds the rows by it."""
    return f"{template.replace('_', '-')}-{fb.pk}"


def sender_notifications(fb: Feedback) -> list:
    """The e-mails and text messages queued for the PAKN's sender (its answer or refusal: `services._notify_sender`
    keys them by PAKN), oldest first, each with its `label`: the desk must see one that failed, as on the dossier
    page, since the sender may then never learn the outcome."""
    try:
        from motcua.notifications.models import Outbox
        from motcua.notifications.services import TEMPLATES, key_prefix
    except ImportError:  # the notifications app is optional
        return []
    keys = Q()
    for template in ("feedback_answered", "feedback_rejected"):
        keys |= Q(dedupe_key__startswith=key_prefix(sender_notification_key(template, fb)))
    rows = list(Outbox.objects.filter(keys).order_by("created_at", "pk"))
    for row in rows:
        row.label = TEMPLATES.get(row.template, row.template)
    return rows


# --- public answers -------------------------------------------------------------------------------------------


def redact(text: str, *, phrases=(), literals=()) -> str:
    """Hide personal data in free text shown publicly (`redaction.redact`): e-mail addresses, dossier codes, ID and
    tax numbers and phone numbers however grouped, and the known names, addresses and numbers given."""
    return redaction.redact(text, phrases=phrases, literals=literals)


def redact_for(fb: Feedback, text: str) -> str:
    """`text` with what is recognisable and what is known of this PAKN's sender, applicant and representative
    hidden."""
    phrases, literals = redaction.known_personal_data(fb)
    return redaction.redact(text, phrases=phrases, literals=literals)


def public_draft(fb: Feedback) -> dict:
    """What an officer is offered to publish of a PAKN before confirming it: its title and content with what can
    be found of personal data hidden. Addresses and names written freely cannot all be found: the officer reads
    and edits the draft."""
    return {"public_title": redact_for(fb, fb.title), "public_content": redact_for(fb, fb.content)}


def public_preview(fb: Feedback, *, public_title: str, public_content: str, answer: str) -> dict:
    """Exactly what the public page will show of the title, the question and the answer (`public_item`), and a
    digest of it, so that what is published is what the officer confirmed."""

    def lines(text: str) -> str:  # as services.feedback_answer stores it
        return "\n".join(nfc(x) for x in (text or "").strip().splitlines()).strip()

    preview = {
        "title": redact_for(fb, nfc(public_title) or fb.title),
        "question": redact_for(fb, lines(public_content)),
        "answer": redact_for(fb, lines(answer)),
    }
    preview["digest"] = hashlib.sha256(
        json.dumps([preview["title"], preview["question"], preview["answer"]]).encode()
    ).hexdigest()[:32]
    return preview


def public_answers(*, agency=None, q: str = "") -> QuerySet[Feedback]:
    """Answered PAKN published by their agency, newest first. The search reads only what is published (the
    public title and content), so that a search for a name cannot tell which PAKN mentioned it."""
    qs = Feedback.objects.select_related("agency", "procedure", "dossier", "user").filter(
        answer_public=True, status__in=(Status.ANSWERED, Status.CLOSED)
    )
    scope = _agency(agency) if agency else None
    if scope is not None:
        qs = qs.filter(agency__path__startswith=scope.path)
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(public_title__icontains=q)
            | Q(public_content__icontains=q)
            | Q(reference__iexact=q)
            | Q(procedure__code__iexact=q)
        )
    return qs.order_by("-answered_at")


def public_item(fb: Feedback) -> dict:
    """What a public page shows of a PAKN: never the sender's name, contact, account, or the dossier code. The
    question is the public content the officer wrote or confirmed, never the original (an address written freely
    cannot be found and hidden reliably): a PAKN published before that rule shows no question. Title, question and
    answer are redacted again (`redact_for`) in any case."""
    return {
        "reference": fb.reference,
        "kind": fb.get_kind_display(),
        "title": redact_for(fb, fb.public_title or fb.title),
        "question": redact_for(fb, fb.public_content) if fb.public_content else "",
        "agency": fb.agency.name,
        "procedure": f"{fb.procedure.code} — {fb.procedure.name}" if fb.procedure_id else "",
        "received_at": fb.received_at,
        "answered_at": fb.answered_at,
        "answer": redact_for(fb, fb.answer),
        "on_time": fb.on_time,
    }


def ratable_for(user, dossier) -> bool:
    from .services import can_rate

    return can_rate(user, dossier)


def counter_display_minutes() -> int:
    """How long the counter's rating screen keeps inviting a rating for the result just handed over:
    RATING_COUNTER_DISPLAY_MINUTES, default 10 (at least 1)."""
    from django.conf import settings

    return max(1, int(getattr(settings, "RATING_COUNTER_DISPLAY_MINUTES", 10)))


def counter_display_dossier(officer, now: dt.datetime | None = None, since: dt.datetime | None = None):
    """The dossier whose result this officer handed over at the counter most recently, within the last
    `counter_display_minutes()`, if it can still be rated (its state allows it, no rating yet) and the officer has
    not registered another dossier since (the next applicant is at the desk); else None. The
    counter's rating screen shows it to the applicant standing at the desk. `since` (when the officer sat down at
    the desk whose screen asks): nothing handed over before, at another desk."""
    from motcua.dossiers.models import DossierEvent

    from .services import RATABLE_STATES

    if not getattr(officer, "is_authenticated", False):
        return None
    now = now or timezone.now()
    start = now - dt.timedelta(minutes=counter_display_minutes())
    if since is not None:
        start = max(start, since)
    event = (
        DossierEvent.objects.filter(
            actor=officer,
            action="return_result",
            at__gte=start,
            at__lte=now,
            data__method="counter",
        )
        .select_related("dossier__agency", "dossier__procedure")
        .order_by("-at", "-pk")
        .first()
    )
    if event is None:
        return None
    # the officer has since registered another dossier: the next applicant stands at the desk, and must not be
    # invited to rate the previous one's (which would also take that dossier's one rating from its applicant)
    if DossierEvent.objects.filter(actor=officer, action="register", at__gt=event.at, at__lte=now).exists():
        return None
    dossier = event.dossier
    if dossier.state not in RATABLE_STATES or Rating.objects.filter(dossier=dossier).exists():
        return None
    return dossier
