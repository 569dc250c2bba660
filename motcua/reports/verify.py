"""Independent check of the published statistics (`motcua verify-stats`).

The statistics API reads the timings stored on each dossier. This module recomputes the same figures from the
event history only — the instants of the receive / resolve / stop / refuse events, the due instant replayed from
the limit recorded at reception with the calendar service (plus the working time of every pause), the
classification re-derived from contract §5's wording, and the processing time of indicator 2.2 (working time from
the counting start to the resolution minus the pauses) — with plain Python (no SQL aggregates, no lifecycle
engine). It then compares, per agency (its subtree) and in total, and per dossier (stored columns vs replay).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.org.models import Agency
from motcua.workdays import services as calendar

from . import selectors, summary

LOCAL = selectors.LOCAL
PAUSES = {"request_supplement": "supplement", "request_payment": "confirm_payment"}
TIMING_ACTIONS = (
    "submit",
    "register",
    "receive",
    "request_supplement",
    "supplement",
    "request_payment",
    "confirm_payment",
    "resolve",
    "stop",
    "refuse",
)
CHUNK = 5000
COMPARED_COLUMNS = (
    "received_at",
    "resolved_at",
    "stopped_at",
    "refused_at",
    "due_at",
    "classification",
    "channel",
    "processing_seconds",
)


@dataclass
class Replayed:
    dossier_id: int
    code: str
    agency_path: str
    channel: str = ""
    received_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
    refused_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    classification: str = ""
    counting_starts_at: dt.datetime | None = None
    paused_hours: Decimal = Decimal(0)
    processing_seconds: int | None = None
    paused_since: dt.datetime | None = None  # a pause still open after the last event
    # (instant, due instant, open pause's start) from reception on, at each change of the clock: the state at a past
    # instant is the last entry before it, whatever later pauses did to due_at (contract §5 at that instant)
    clock: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def classify(resolved_at: dt.datetime, due_at: dt.datetime) -> str:
    """Contract §5 in its own words: late if resolved after the due instant; early if resolved on a local date
    before the due date; otherwise (same date, not after the due instant) on time."""
    if resolved_at > due_at:
        return "late"
    if resolved_at.astimezone(LOCAL).date() < due_at.astimezone(LOCAL).date():
        return "early"
    return "on_time"


def _parse_instant(value) -> dt.datetime | None:
    if not value:
        return None
    if isinstance(value, dt.datetime):
        return value
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL)


def _limit_hours(data: dict, fallback) -> Decimal | None:
    for key, factor in (("limit_hours", 1), ("working_days", 8)):
        value = data.get(key)
        if value not in (None, ""):
            try:
                return Decimal(str(value)) * factor
            except ArithmeticError:
                pass
    return Decimal(fallback) if fallback is not None else None


def _fixed_due(data: dict, imported: bool) -> dt.datetime | None:
    """A migrated dossier whose old system gave the final appointment (pauses included, contract §8)."""
    for key in ("fixed_due", "due_fixed", "due_given", "due_at_given"):
        if data.get(key):
            return _parse_instant(data.get("due_at")) or _parse_instant(data.get(key))
    if imported and data.get("due_source") in ("import", "record", "given"):
        return _parse_instant(data.get("due_at"))
    return None


def _recorded(hours) -> Decimal:
    """A pause as the dossier records it: its working hours rounded half-up to 0.01 h (the column's precision)."""
    return Decimal(str(hours)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _end_pause(r: Replayed, paused_since: dt.datetime, at_: dt.datetime, fixed: bool, agency: Agency) -> None:
    """Contract §7 in its own words: the working time paused moves the due instant (unless the old system's final
    appointment is kept) and counts as paused. Returns the new pause start: none."""
    hours = calendar.working_hours_between(paused_since, at_, agency=agency)
    r.paused_hours += _recorded(hours)
    if not fixed and r.due_at is not None and hours > 0:
        r.due_at = calendar.add_working_hours(r.due_at, hours, agency=agency)
    return None


def replay(dossier: dict, events: list[dict], agency: Agency) -> Replayed:
    """Timings of one dossier from its events (`dossier`: id, code, agency path, limit_hours, imported,
    channel; `events`: action, at, data — in sequence order)."""
    r = Replayed(dossier["id"], dossier["code"], dossier["agency__path"])
    r.channel = dossier["channel"]
    paused_since: dt.datetime | None = None
    fixed = False
    for e in events:
        action, at_, data = e["action"], e["at"], e["data"] or {}
        if action in ("submit", "register") and data.get("channel"):
            r.channel = data["channel"]
        elif action == "receive" and r.received_at is None:
            r.received_at = at_
            if data.get("channel"):
                r.channel = data["channel"]
            limit = _limit_hours(data, dossier["limit_hours"])
            if limit is not None:
                r.counting_starts_at = calendar.compute_deadline(
                    at_, hours=limit, agency=agency
                ).counting_starts_at
            due = _fixed_due(data, dossier["imported"])
            if due is not None:
                fixed = True
                r.due_at = due
            else:
                limit = _limit_hours(data, dossier["limit_hours"])
                if limit is None:
                    given = _parse_instant(data.get("due_at"))
                    if given is None:
                        r.problems.append("no limit recorded at reception")
                    r.due_at, fixed = given, True
                else:
                    r.due_at = calendar.compute_deadline(at_, hours=limit, agency=agency).due_at
            r.clock.append((at_, r.due_at, None))
        elif action in PAUSES and r.received_at is not None and r.stopped_at is None:
            paused_since = at_
            r.clock.append((at_, r.due_at, at_))
        elif action in PAUSES.values() and paused_since is not None:
            paused_since = _end_pause(r, paused_since, at_, fixed, agency)
            r.clock.append((at_, r.due_at, None))
        elif action == "resolve" and r.resolved_at is None:
            # resolved with a pause still open (a withdrawal asked during it): the pause ends here
            paused_since = _end_pause(r, paused_since, at_, fixed, agency) if paused_since else None
            r.resolved_at = at_
        elif action == "stop" and r.stopped_at is None:
            r.stopped_at = at_
            paused_since = None
        elif action == "refuse" and r.refused_at is None:
            r.refused_at = at_
    r.paused_since = paused_since
    if r.resolved_at is not None and r.counting_starts_at is not None:
        worked = (
            calendar.working_hours_between(r.counting_starts_at, r.resolved_at, agency=agency)
            if r.resolved_at > r.counting_starts_at
            else Decimal(0)
        )
        r.processing_seconds = int(
            (max(Decimal(0), worked - r.paused_hours) * 3600).to_integral_value(ROUND_HALF_UP)
        )
    if r.resolved_at is not None:
        if r.due_at is None:
            r.problems.append("resolved without a due instant")
        else:
            r.classification = classify(r.resolved_at, r.due_at)
    return r


def figures_from_records(records: list[Replayed], start: dt.datetime, end: dt.datetime, as_of: dt.datetime):
    """The contract §5 figures over replayed records."""
    return selectors.with_rates(raw_counts(records, start, end, as_of))


def raw_counts(records, start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> dict:
    """The contract §5 counts over replayed records, written out rule by rule."""
    c = dict.fromkeys(selectors.COUNT_KEYS, 0)

    def inside(t):
        return t is not None and start <= t < end

    def before(t, instant):
        return t is not None and t < instant

    for r in records:
        if inside(r.received_at):
            c["received"] += 1
            if r.channel in ("online", "counter", "postal"):
                c[f"received_{r.channel}"] += 1
        if (
            before(r.received_at, start)
            and not before(r.resolved_at, start)
            and not before(r.stopped_at, start)
        ):
            c["carried_over"] += 1
        if inside(r.resolved_at):
            c["resolved"] += 1
            if r.classification:
                c[r.classification] += 1
        if inside(r.stopped_at):
            c["stopped"] += 1
        if inside(r.refused_at):
            c["refused"] += 1
        if (
            before(r.received_at, as_of)
            and not before(r.resolved_at, as_of)
            and not before(r.stopped_at, as_of)
        ):
            # the clock as it stood at as_of (a pause asked or ended later does not count yet)
            due_at, paused_since = r.due_at, r.paused_since
            for instant, due, paused in r.clock:
                if instant >= as_of:
                    break
                due_at, paused_since = due, paused
            # a clock stopped before the due instant and still stopped: the due instant is not reached (§5)
            stopped_clock = paused_since is not None and due_at is not None and paused_since <= due_at
            if due_at is None or as_of <= due_at or stopped_clock:
                c["pending_within"] += 1
            else:
                c["pending_overdue"] += 1
    return c


@dataclass
class Report:
    period: selectors.Period
    as_of: dt.datetime
    scope: Agency | None
    total_api: dict
    total_events: dict
    agencies: list[tuple[Agency, dict, dict]]  # (agency, api figures, event figures)
    dossier_diffs: list[tuple[str, str, object, object]]  # (code, column, stored, replayed)
    problems: list[str]
    checked: int
    # summary table cells that differ from a recount of the stored columns: (cell, recount, stored)
    summary_diffs: list = field(default_factory=list)

    @staticmethod
    def differences(api: dict, events: dict) -> list[str]:
        keys = (*selectors.COUNT_KEYS, *selectors.RATE_KEYS)
        return [k for k in keys if api.get(k) != events.get(k)]

    @property
    def agency_diffs(self) -> list[tuple[Agency, list[str]]]:
        out = []
        for agency, api, ev in self.agencies:
            d = self.differences(api, ev)
            if d:
                out.append((agency, d))
        return out

    @property
    def ok(self) -> bool:
        return (
            not self.differences(self.total_api, self.total_events)
            and not self.agency_diffs
            and not self.dossier_diffs
            and not self.problems
            and not self.summary_diffs
        )


def _relevant_dossiers(qs, start: dt.datetime, end: dt.datetime, as_of: dt.datetime):
    """Dossiers that may count, found from the events alone: received before the end and not closed (resolve
    / stop) before the earlier of the period start and E; or refused / stopped in the period. One grouped scan of
    the events before the end of the period."""
    low = min(start, as_of)
    groups = (
        DossierEvent.objects.filter(
            dossier__in=qs, at__lt=end, action__in=("receive", "resolve", "stop", "refuse")
        )
        .values("dossier_id")
        .annotate(
            rec=Count("pk", filter=Q(action="receive")),
            closed=Count("pk", filter=Q(action__in=("resolve", "stop"), at__lt=low)),
            inside=Count("pk", filter=Q(action__in=("refuse", "stop"), at__gte=start)),
        )
        .filter(Q(rec__gt=0, closed=0) | Q(inside__gt=0))
        .values("dossier_id")
    )
    return qs.filter(pk__in=groups)


def verify(*, date_from, date_to, agency: Agency | None = None, now: dt.datetime | None = None) -> Report:
    period = selectors.make_period(date_from, date_to)
    now = now or timezone.now()
    start, end = period.start, period.end
    as_of = min(end, now)
    scope_qs = selectors.scoped(agency=agency)
    relevant = _relevant_dossiers(scope_qs, start, end, as_of).order_by("pk")
    fields = (
        "id",
        "code",
        "agency_id",
        "agency__path",
        "limit_hours",
        "imported",
        "channel",
        "received_at",
        "resolved_at",
        "stopped_at",
        "refused_at",
        "due_at",
        "classification",
        "processing_seconds",
    )
    agencies = {a.pk: a for a in Agency.objects.all()}
    own_counts: dict[str, dict] = {}
    diffs: list[tuple[str, str, object, object]] = []
    problems: list[str] = []
    checked = 0
    # Streamed in chunks (ids first, then rows and events per chunk): memory stays flat for a province-year.
    ids = list(relevant.values_list("pk", flat=True))
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        dossiers = list(Dossier.objects.filter(pk__in=chunk).order_by("pk").values(*fields))
        events: dict[int, list[dict]] = {pk: [] for pk in chunk}
        for e in (
            DossierEvent.objects.filter(dossier_id__in=chunk, action__in=TIMING_ACTIONS)
            .order_by("dossier_id", "seq")
            .values("dossier_id", "action", "at", "data")
        ):
            events[e["dossier_id"]].append(e)
        by_path: dict[str, list[Replayed]] = {}
        for d in dossiers:
            r = replay(d, events[d["id"]], agencies[d["agency_id"]])
            checked += 1
            by_path.setdefault(r.agency_path, []).append(r)
            problems += [f"{r.code}: {p}" for p in r.problems]
            for col in COMPARED_COLUMNS:
                stored = d[col] or ("" if col in ("classification", "channel") else None)
                replayed = getattr(r, col) or ("" if col in ("classification", "channel") else None)
                if stored != replayed:
                    diffs.append((r.code, col, stored, replayed))
        for path, rs in by_path.items():
            c = raw_counts(rs, start, end, as_of)
            acc = own_counts.setdefault(path, dict.fromkeys(selectors.COUNT_KEYS, 0))
            for k in selectors.COUNT_KEYS:
                acc[k] += c[k]

    total_api = selectors.on_time_stats(
        date_from=period.date_from, date_to=period.date_to, agency=agency, now=now
    )
    total = dict.fromkeys(selectors.COUNT_KEYS, 0)
    for c in own_counts.values():
        for k in selectors.COUNT_KEYS:
            total[k] += c[k]
    total_events = selectors.with_rates(total)
    per_agency = []
    subtree = Agency.objects.filter(path__startswith=agency.path) if agency else Agency.objects.all()
    for a in subtree.order_by("path"):
        api = selectors.on_time_stats(date_from=period.date_from, date_to=period.date_to, agency=a, now=now)
        summed = dict.fromkeys(selectors.COUNT_KEYS, 0)
        for path, c in own_counts.items():
            if path.startswith(a.path):
                for k in selectors.COUNT_KEYS:
                    summed[k] += c[k]
        per_agency.append((a, api, selectors.with_rates(summed)))
    # the summary table the API reads (ADR 0017) against an independent Python recount of the stored columns
    summary_diffs = summary.diff_cells(summary.python_recount_from_dossiers(), summary.stored_cells())
    return Report(
        summary_diffs=summary_diffs,
        period=period,
        as_of=as_of,
        scope=agency,
        total_api=total_api,
        total_events=total_events,
        agencies=per_agency,
        dossier_diffs=diffs,
        problems=problems,
        checked=checked,
    )


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.astimezone(LOCAL).isoformat()
    if isinstance(value, float):  # a rate, as the pages and the API round it: 100.00, 87.50
        return f"{value:.2f}"
    return str(value)


def _cell(cell: tuple) -> str:
    month, agency_id, field_id, channel = cell
    return f"{month:%Y-%m} agency={agency_id} field={field_id} {channel}"


def render(report: Report, *, all_agencies: bool = False) -> str:
    """A plain-text table: the total (API vs events), then one line per agency, then disagreeing dossiers."""
    lines = []
    scope = f"{report.scope.identifier} ({report.scope.name})" if report.scope else "toàn hệ thống / all"
    lines.append(
        f"Kiểm tra số liệu thống kê / statistics check — {scope}, "
        f"{report.period.date_from:%d/%m/%Y}–{report.period.date_to:%d/%m/%Y}, "
        f"as of {report.as_of.astimezone(LOCAL):%d/%m/%Y %H:%M}; {report.checked} dossiers replayed"
    )
    lines.append("")
    lines.append(f"{'figure':<18}{'API':>12}{'events':>12}  ")
    for k in (*selectors.COUNT_KEYS, *selectors.RATE_KEYS):
        a, e = report.total_api.get(k), report.total_events.get(k)
        lines.append(f"{k:<18}{_fmt(a):>12}{_fmt(e):>12}  {'OK' if a == e else 'DIFF'}")
    lines.append("")
    # each agency with the agencies under it (a district with its wards), as `agency=` of the API counts it; the
    # overseer's ranking shows each agency's own dossiers
    lines.append("Theo cơ quan, gồm cả cơ quan cấp dưới / by agency, the agencies under it included:")
    lines.append(
        f"{'agency (+ under it)':<24}{'received':>9}{'resolved':>9}{'on time %':>10}{'2.1 %':>8}  result"
    )
    for agency, api, ev in report.agencies:
        d = Report.differences(api, ev)
        if not d and not all_agencies and not (api["received"] or api["resolved"] or api["pending"]):
            continue
        status = "OK" if not d else "DIFF " + ", ".join(f"{k} {api[k]}≠{ev[k]}" for k in d)
        lines.append(
            f"{agency.identifier:<24}{api['received']:>9}{api['resolved']:>9}"
            f"{_fmt(api['on_time_rate']):>10}{_fmt(api['index_2_1']):>8}  {status}"
        )
    if report.dossier_diffs:
        lines.append("")
        lines.append(
            "Hồ sơ có cột lưu trữ khác với lịch sử sự kiện / dossiers whose stored columns disagree:"
        )
        for code, col, stored, replayed in report.dossier_diffs:
            lines.append(f"  {code}  {col}: stored {_fmt(stored)}  events {_fmt(replayed)}")
    if report.summary_diffs:
        lines.append("")
        lines.append(
            "Bảng tổng hợp khác với đếm lại (chạy `motcua rebuild-stats`) / summary table cells that differ "
            "from a recount (run `motcua rebuild-stats`):"
        )
        for cell, expected, stored in report.summary_diffs[:50]:
            lines.append(f"  {_cell(cell)}: recount {expected}  stored {stored}")
        if len(report.summary_diffs) > 50:
            lines.append(f"  … {len(report.summary_diffs) - 50} more")
    else:
        lines.append("")
        lines.append("Bảng tổng hợp khớp với đếm lại / summary table equals a recount: OK")
    if report.problems:
        lines.append("")
        lines.append("Vấn đề / problems:")
        lines += [f"  {p}" for p in report.problems]
    lines.append("")
    lines.append(
        "KẾT QUẢ: khớp / RESULT: consistent"
        if report.ok
        else "KẾT QUẢ: CÓ SAI LỆCH / RESULT: DIFFERENCES FOUND"
    )
    return "\n".join(lines)
