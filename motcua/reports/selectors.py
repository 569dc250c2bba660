"""Statistics of contract §5 as aggregate queries over the timings stored on each dossier.

Definitions (period [from, to] = LOCAL dates, Asia/Ho_Chi_Minh, inclusive; as instants [S, X) with
S = from 00:00+07:00 and X = (to + 1 day) 00:00+07:00; E = min(X, now) is "the end of the period, or now if
sooner"):

- received          S <= received_at < X (and by channel: online / counter / postal)
- carried_over      received_at < S, and neither resolved_at < S nor stopped_at < S
- resolved          S <= resolved_at < X; split by the stored classification into early / on_time / late
- stopped           S <= stopped_at < X
- refused           S <= refused_at < X
- pending at E      received_at < E, not resolved_at < E, not stopped_at < E;
                    pending_within if E <= due_at (or no due date), else pending_overdue — except a dossier
                    whose clock is stopped since before its due instant (paused_since <= due_at, a supplement or
                    payment still awaited): within, since its due instant moves by the paused time (contract §5)
- on_time_rate      (early + on_time) / resolved * 100
- index_2_1         (early + on_time + pending_within) / (received + carried_over) * 100   (Decision 766, 2.1)

Rates are rounded half-up to 2 decimals. When a denominator is 0 the rate is `null` (None): a period without
resolved dossiers has no on-time rate — it is neither 0 % nor 100 %.

Instants are compared half-open ("< E"), so that, for consecutive periods, the dossiers pending at the end of one
are exactly the carried-over dossiers of the next, and for a period that is over
received + carried_over = resolved + stopped(after reception) + pending_within + pending_overdue.

Every figure group is ONE query with conditional aggregation (COUNT ... FILTER on PostgreSQL, CASE on SQLite).
The scope (agency subtree, field, procedure) is applied as plain WHERE conditions; the agency subtree is resolved
first to a list of agency ids so the (agency, received_at) / (agency, resolved_at) indexes apply.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import BigIntegerField, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Field, Procedure
from motcua.catalog.selectors import procedure_by_code as catalog_procedure
from motcua.core.dates import SUPPORTED_YEARS
from motcua.core.errors import NotFound, Unprocessable
from motcua.core.text import identifier_form, sort_key
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.selectors import in_field
from motcua.org import selectors as org_selectors
from motcua.org.models import Agency

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

COUNT_KEYS = (
    "received",
    "received_online",
    "received_counter",
    "received_postal",
    "carried_over",
    "resolved",
    "early",
    "on_time",
    "late",
    "stopped",
    "refused",
    "pending_within",
    "pending_overdue",
)
RATE_KEYS = ("on_time_rate", "index_2_1")
BREAKDOWNS = ("agency", "field", "procedure", "channel", "month", "quarter", "year")
MAX_SUB_PERIODS = 240

# --- periods ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date

    @property
    def start(self) -> dt.datetime:
        return local_midnight(self.date_from)

    @property
    def end(self) -> dt.datetime:
        """Exclusive end instant: 00:00 of the day after `date_to`."""
        return local_midnight(self.date_to + dt.timedelta(days=1))


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=LOCAL)


def parse_date(value, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.astimezone(LOCAL).date()
    if isinstance(value, dt.date):
        return value
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise Unprocessable(
            f"Thiếu tham số '{name}' (ngày dạng dd/mm/yyyy hoặc YYYY-MM-DD).",
            f"Missing '{name}' (a date dd/mm/yyyy or YYYY-MM-DD).",
            code="missing_date",
        )
    # YYYY-MM-DD only: Python also reads ISO week and basic forms ("2026-W02" is Monday 05/01/2026, so a period
    # "to=2026-W02" silently ended on that Monday), which the message below does not offer
    if ISO_DAY.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    if (
        len(text) > 10 and text[10] in "T " and ISO_DAY.fullmatch(text[:10])
    ):  # a full ISO datetime: its local date
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            value = value if value.tzinfo else value.replace(tzinfo=LOCAL)
            try:
                return value.astimezone(LOCAL).date()
            except OverflowError:  # its local date is before year 1 or after 9999: out of any period's range
                return dt.date.max if value.year > 1 else dt.date.min
    try:  # also accept the Vietnamese display form dd/mm/yyyy
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError as exc:
        raise Unprocessable(
            f"Tham số '{name}' không phải ngày hợp lệ (dd/mm/yyyy hoặc YYYY-MM-DD): '{text}'.",
            f"'{name}' is not a valid date (dd/mm/yyyy or YYYY-MM-DD): '{text}'.",
            code="bad_date",
        ) from exc


def make_period(date_from, date_to) -> Period:
    d1 = parse_date(date_from, "from")
    d2 = parse_date(date_to, "to")
    if d1 > d2:
        raise Unprocessable(
            f"Ngày bắt đầu ({d1:%d/%m/%Y}) sau ngày kết thúc ({d2:%d/%m/%Y}).",
            f"'from' ({d1:%d/%m/%Y}) is after 'to' ({d2:%d/%m/%Y}).",
            code="bad_period",
        )
    if d1.year < SUPPORTED_YEARS[0] or d2.year > SUPPORTED_YEARS[1]:
        raise Unprocessable(
            "Kỳ thống kê ngoài khoảng cho phép (1900–2999).",
            "The period is outside the supported range (1900–2999).",
            code="bad_period",
        )
    return Period(d1, d2)


def sub_periods(period: Period, by: str) -> list[tuple[str, str, Period]]:
    """Split a period into calendar months / quarters / years (clipped to the period): (key, label, period)."""
    out: list[tuple[str, str, Period]] = []
    day = period.date_from
    while day <= period.date_to:
        if by == "month":
            nxt = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
            key, label = f"{day:%Y-%m}", f"Tháng {day.month:02d}/{day.year}"
        elif by == "quarter":
            q = (day.month - 1) // 3 + 1
            nxt_month = q * 3 + 1
            nxt = dt.date(day.year + (nxt_month > 12), (nxt_month - 1) % 12 + 1, 1)
            key, label = f"{day.year}-Q{q}", f"Quý {q}/{day.year}"
        elif by == "year":
            nxt = dt.date(day.year + 1, 1, 1)
            key, label = f"{day.year}", f"Năm {day.year}"
        else:  # pragma: no cover - callers validate
            raise ValueError(by)
        out.append((key, label, Period(day, min(period.date_to, nxt - dt.timedelta(days=1)))))
        if len(out) > MAX_SUB_PERIODS:
            raise Unprocessable(
                f"Kỳ thống kê quá dài để chia theo '{by}' (tối đa {MAX_SUB_PERIODS} kỳ con).",
                f"The period is too long to split by '{by}' (at most {MAX_SUB_PERIODS} sub-periods).",
                code="bad_period",
            )
        day = nxt
    return out


# --- scope -----------------------------------------------------------------------------------------------


def agency_by_identifier(identifier: str | None) -> Agency | None:
    if identifier is None or str(identifier).strip() == "":
        return None
    identifier = identifier_form(identifier)  # `?agency=000.00.21.h26` is 000.00.21.H26
    agency = org_selectors.agency_by_identifier(identifier)
    if agency is None:
        raise NotFound(f"Không có cơ quan mã '{identifier}'.", f"No agency '{identifier}'.", code="no_agency")
    return agency


def field_by_code(value: str | None) -> Field | None:
    """A field (lĩnh vực) by its code (slug; typed in capitals too: BAO-CHI-XUAT-BAN) or, failing that, by its
    exact name (NFC, case-insensitive), or by its name typed without diacritics when one field's name folds to it
    (`?field=ho tich` for Hộ tịch)."""
    if value is None or str(value).strip() == "":
        return None
    from motcua.core.text import fold, nfc

    text = nfc(value)
    found = (
        Field.objects.filter(code=text).first()
        or Field.objects.filter(code__iexact=text).first()
        or Field.objects.filter(name__iexact=text).first()
    )
    if found is None:
        folded = fold(text)
        matches = [f for f in Field.objects.only("pk", "name") if fold(f.name) == folded]
        found = Field.objects.get(pk=matches[0].pk) if len(matches) == 1 else None
    if found is None:
        raise NotFound(f"Không có lĩnh vực '{text}'.", f"No field '{text}'.", code="no_field")
    return found


def procedure_by_code(code: str | None) -> Procedure | None:
    if code is None or str(code).strip() == "":
        return None
    code = str(code).strip()
    found = catalog_procedure(code)
    if found is None:
        raise NotFound(f"Không có thủ tục mã '{code}'.", f"No procedure '{code}'.", code="no_procedure")
    return found


def subtree_ids(agency: Agency) -> list[int]:
    return list(Agency.objects.filter(path__startswith=agency.path).values_list("pk", flat=True))


def _agency_condition(agency: Agency) -> Q:
    """The agency subtree as the cheapest equivalent condition: nothing when it is every agency (one province
    per installation: the province scope is the whole table), the complement when that list is shorter, else the
    list itself (which the (agency, received_at) / (agency, resolved_at) indexes serve)."""
    rows = list(Agency.objects.values_list("pk", "path"))
    inside = [pk for pk, path in rows if path.startswith(agency.path)]
    if len(inside) == len(rows):
        return Q()
    outside = [pk for pk, path in rows if not path.startswith(agency.path)]
    if len(outside) < len(inside):
        return ~Q(agency_id__in=outside)
    return Q(agency_id__in=inside)


def scoped(
    qs: QuerySet | None = None,
    *,
    agency: Agency | None = None,
    field: Field | None = None,
    procedure: Procedure | None = None,
) -> QuerySet:
    """Dossiers of the scope: received by `agency` or one of its sub-agencies; of the procedure `procedure`;
    in the field `field` (the field snapshot taken at filing, else the procedure's current field)."""
    qs = Dossier.objects.all() if qs is None else qs
    if agency is not None:
        qs = qs.filter(_agency_condition(agency))
    if procedure is not None:
        qs = qs.filter(procedure_id=procedure.pk)
    if field is not None:
        qs = qs.filter(in_field(field.pk))
    return qs


# --- the figures -----------------------------------------------------------------------------------------


def _end_instant(period: Period, now: dt.datetime | None) -> dt.datetime:
    now = now or timezone.now()
    return min(period.end, now)


def _relevant(s: dt.datetime, x: dt.datetime, e: dt.datetime) -> Q:
    """Rows that can count in any figure: open at some instant of [min(S, E), X), or refused/stopped in the
    period. Keeps the scan to the period's dossiers instead of the whole history.

    Written index-first: a resolved dossier counts only if resolved at or after min(S, E) (a resolved dossier is
    never stopped or refused), so it is found by a range on resolved_at (indexes (resolved_at) and (agency,
    resolved_at)); the others are the few rows with resolved_at IS NULL."""
    low = min(s, e)
    resolved_rows = Q(resolved_at__gte=low, received_at__lt=x)
    open_rows = Q(received_at__lt=x) & (Q(stopped_at__isnull=True) | Q(stopped_at__gte=low))
    closed_in = Q(refused_at__gte=s, refused_at__lt=x) | Q(stopped_at__gte=s, stopped_at__lt=x)
    return resolved_rows | (Q(resolved_at__isnull=True) & (open_rows | closed_in))


def _conditions(s: dt.datetime, x: dt.datetime, e: dt.datetime) -> dict[str, Q]:
    """The condition of each count (one place: the aggregate and the drill-down lists share it)."""
    received = Q(received_at__gte=s, received_at__lt=x)
    resolved = Q(resolved_at__gte=s, resolved_at__lt=x)
    pending = (
        Q(received_at__lt=e)
        & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=e))
        & (Q(stopped_at__isnull=True) | Q(stopped_at__gte=e))
    )
    return {
        "received": received,
        "received_online": received & Q(channel=Channel.ONLINE),
        "received_counter": received & Q(channel=Channel.COUNTER),
        "received_postal": received & Q(channel=Channel.POSTAL),
        "carried_over": Q(received_at__lt=s)
        & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=s))
        & (Q(stopped_at__isnull=True) | Q(stopped_at__gte=s)),
        "resolved": resolved,
        "early": resolved & Q(classification="early"),
        "on_time": resolved & Q(classification="on_time"),
        "late": resolved & Q(classification="late"),
        "stopped": Q(stopped_at__gte=s, stopped_at__lt=x),
        "refused": Q(refused_at__gte=s, refused_at__lt=x),
        "pending_within": pending & (Q(due_at__isnull=True) | Q(due_at__gte=e) | CLOCK_STOPPED),
        "pending_overdue": pending & Q(due_at__lt=e) & ~CLOCK_STOPPED,
    }


# A dossier whose clock stopped (supplement, payment) before its due instant and is still stopped: its due instant
# moves by the paused working time when the applicant acts (contract §5), so it is not overdue at any instant until
# then (summary.overdue_from).
CLOCK_STOPPED = Q(paused_since__isnull=False, paused_since__lte=F("due_at"))


def _count_expressions(s: dt.datetime, x: dt.datetime, e: dt.datetime) -> dict:
    return {k: Count("pk", filter=q) for k, q in _conditions(s, x, e).items()}


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator × 100 rounded half-up to 2 decimals; None when the denominator is 0."""
    if not denominator:
        return None
    value = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return float(value)


def with_rates(counts: dict) -> dict:
    """Complete a dict of counts with the nested channel counts, the pending total and both rates."""
    out = {k: int(counts.get(k) or 0) for k in COUNT_KEYS}
    out["received_by_channel"] = {
        "online": out["received_online"],
        "counter": out["received_counter"],
        "postal": out["received_postal"],
    }
    out["pending"] = out["pending_within"] + out["pending_overdue"]
    out["on_time_rate"] = rate(out["early"] + out["on_time"], out["resolved"])
    out["index_2_1"] = rate(
        out["early"] + out["on_time"] + out["pending_within"], out["received"] + out["carried_over"]
    )
    return out


def period_counts(qs: QuerySet, period: Period, now: dt.datetime | None = None) -> dict:
    """The raw counts of `qs` (already scoped) for `period`, in one aggregate query."""
    from . import asof

    now = now or timezone.now()
    s, x = period.start, period.end
    e = _end_instant(period, now)
    counts = qs.filter(_relevant(s, x, e)).aggregate(
        **_count_expressions(s, x, e), **_processing_expressions(s, x)
    )
    return asof.apply(counts, asof.deltas(asof.changed_since(qs, e, now)).get(()))


def _processing_expressions(s: dt.datetime, x: dt.datetime) -> dict:
    """Decision 766 indicator 2.2's sums: the dossiers resolved in [s, x) with a stored processing time, and the
    sum of those times (seconds)."""
    resolved = Q(resolved_at__gte=s, resolved_at__lt=x)
    return {
        "timed": Count("pk", filter=resolved & Q(processing_seconds__isnull=False)),
        "processing_seconds": Coalesce(Sum("processing_seconds", filter=resolved), 0),
    }


def on_time_stats(
    *,
    date_from,
    date_to,
    agency: Agency | None = None,
    field: Field | str | None = None,
    procedure: Procedure | str | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """Contract §5 statistics for the period and scope. `field` / `procedure` may be given as objects or as
    codes. Returns every count, `received_by_channel`, `pending`, both rates, `as_of` (the instant E) and the
    echo of the request (`from`, `to`, `agency`, `field`, `procedure`)."""
    period = make_period(date_from, date_to)
    if isinstance(agency, str):
        agency = agency_by_identifier(agency)
    if isinstance(field, str):
        field = field_by_code(field)
    if isinstance(procedure, str):
        procedure = procedure_by_code(procedure)
    figures = with_rates(scope_counts(period, agency=agency, field=field, procedure=procedure, now=now))
    return {
        **_echo(period, agency, field, procedure),
        "as_of": _end_instant(period, now).astimezone(LOCAL).isoformat(),
        **figures,
    }


# --- the summary path (ADR 0017) ------------------------------------------------------------------------------


def _summary_cumulator(period_bounds, *, agency, field, procedure, now, group: str | None):
    """A summary.Cumulator for the scope, or None when the scope or the instants need the raw queries."""
    from . import summary
    from .models import StatsCell

    s = min(b[0] for b in period_bounds)
    last = max(max(b[1], b[2]) for b in period_bounds)
    e_min = min(b[2] for b in period_bounds)
    if procedure is not None or not summary.usable(min(s, e_min), e_min):
        return None
    cells = StatsCell.objects.filter(month__lt=summary._next_month(summary._local_month_start(last)).date())
    if agency is not None:
        cells = cells.filter(_agency_condition(agency))
    if field is not None:
        cells = cells.filter(field_id=field.pk)
    by = {
        "agency": (_f("agency_id"), "agency_id"),
        "field": (field_key(), "field_id"),
        "channel": (_f("channel"), "channel"),
    }
    if group is None:
        raw_group, cell_group = None, None
    elif isinstance(group, tuple):  # several keys: the group key is the tuple of their values
        raw_group, cell_group = tuple(by[g][0] for g in group), tuple(by[g][1] for g in group)
    else:
        raw_group, cell_group = by[group]
    qs = scoped(agency=agency, field=field)
    return summary.Cumulator(qs, cells, raw_group, cell_group, now or timezone.now(), min(s, e_min))


def scope_counts(
    period: Period,
    *,
    agency: Agency | None = None,
    field: Field | None = None,
    procedure: Procedure | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """The raw counts of the scope for the period: from the summary table when it covers the scope (no procedure
    filter), else from the dossier table (`period_counts`, the reference). Both give identical figures."""
    from . import summary

    now = now or timezone.now()
    period = summary_period(period, now)
    s, x = period.start, period.end
    e = _end_instant(period, now)
    cum = _summary_cumulator(
        [(s, x, e)], agency=agency, field=field, procedure=procedure, now=now, group=None
    )
    if cum is None:
        return period_counts(scoped(agency=agency, field=field, procedure=procedure), period, now)
    return summary.figures(cum, s, x, e).get(None, {})


def summary_period(period: Period, now: dt.datetime) -> Period:
    """`period`, or the same period started on the summary's first day (01/01/1976) when it starts before and no
    dossier has an instant before that day: nothing is then received, resolved, stopped or refused before it, nor
    carried over into it, and the end (min(X, now)) is the same — the figures are identical. The summary then
    serves `from=1900-01-01`, which made the public API read every row of the dossier table (the raw queries)."""
    from . import summary

    first = summary.SUMMARY_FROM
    t = local_midnight(first)
    if period.date_from >= first or period.date_to < first or now < t or not summary.enabled():
        return period
    for column in ("received_at", "resolved_at", "stopped_at", "refused_at"):  # each one indexed: cheap
        if Dossier.objects.filter(**{f"{column}__lt": t}).exists():
            return period
    return Period(first, period.date_to)


def scope_counts_many(
    periods: list[Period], *, agency: Agency | None = None, now: dt.datetime | None = None
) -> list[dict]:
    """`scope_counts` of each period (same `now` for all): one summary read for them all when the summary covers
    them (as the breakdowns by month read theirs), else one query per period."""
    from . import summary

    now = now or timezone.now()
    bounds = [(p.start, p.end, _end_instant(p, now)) for p in periods]
    cum = _summary_cumulator(bounds, agency=agency, field=None, procedure=None, now=now, group=None)
    if cum is None:
        return [scope_counts(p, agency=agency, now=now) for p in periods]
    cum.prepare([t for b in bounds for t in b])
    return [summary.figures(cum, s, x, e).get(None, {}) for s, x, e in bounds]


def _echo(period: Period, agency, field, procedure) -> dict:
    return {
        "from": period.date_from.isoformat(),
        "to": period.date_to.isoformat(),
        "agency": agency.identifier if agency else None,
        "field": field.code if field else None,
        "procedure": procedure.code if procedure else None,
    }


# --- breakdowns ------------------------------------------------------------------------------------------


def grouped_counts(qs: QuerySet, period: Period, keys: dict, now=None) -> list[dict]:
    """Counts per group in one query: `keys` maps output names to expressions (F, Coalesce...)."""
    from . import asof

    now = now or timezone.now()
    s, x = period.start, period.end
    e = _end_instant(period, now)
    names = {f"_g_{k}": v for k, v in keys.items()}
    rows = (
        qs.filter(_relevant(s, x, e))
        .annotate(**names)
        .values(*names)
        .order_by(*names)
        .annotate(**_count_expressions(s, x, e))
    )
    changed = asof.deltas(asof.changed_since(qs, e, now, tuple(keys.values())))
    out = []
    for r in rows:
        group = {k: r.pop(f"_g_{k}") for k in keys}
        out.append({**group, **asof.apply(r, changed.get(tuple(group.values())))})
    return out


def agency_field_counts(
    period: Period, *, agency: Agency | None = None, field: Field | None = None, now=None
) -> list[dict]:
    """Raw counts per (receiving agency, effective field) of the scope (`field`: that field's rows only), like
    `grouped_counts` with the keys "agency" and "field" (the same rows, in the same order): from the summary table
    when it covers the period and E >= S (then a group has a row iff one of its figures is non-zero, as in the raw
    query), else raw."""
    from . import summary

    now = now or timezone.now()
    period = summary_period(period, now)
    s, x = period.start, period.end
    e = _end_instant(period, now)
    cum = None
    if e >= s:
        cum = _summary_cumulator(
            [(s, x, e)], agency=agency, field=field, procedure=None, now=now, group=("agency", "field")
        )
    if cum is None:
        return grouped_counts(
            scoped(agency=agency, field=field), period, {"agency": _f("agency_id"), "field": field_key()}, now
        )
    rows = [
        {"agency": g[0], "field": g[1], **counts}
        for g, counts in summary.figures(cum, s, x, e).items()
        if any(counts.get(k) for k in COUNT_KEYS)
    ]
    rows.sort(key=lambda r: (r["agency"], r["field"] is not None, r["field"] or 0))
    return rows


def _grouped_counts(qs: QuerySet, period: Period, key, now) -> dict:
    return {r.pop("g"): r for r in grouped_counts(qs, period, {"g": key}, now)}


def _rank_key(row: dict):
    """Best first: highest on-time rate (no rate last), then most resolved, then label."""
    r = row["on_time_rate"]
    return (r is None, -(r or 0), -row["resolved"], sort_key(row.get("label")))


def breakdown(
    *,
    date_from,
    date_to,
    by: str,
    agency: Agency | None = None,
    field: Field | None = None,
    procedure: Procedure | None = None,
    now: dt.datetime | None = None,
    include_empty_agencies: bool = True,
) -> dict:
    """The same figures per agency (the receiving agency itself), field, procedure, channel, month, quarter or
    year. Agency/field/procedure/channel rows partition the scope, so they sum to the total; time rows are
    computed each with `period_counts` (received/resolved/... of sub-periods sum to the period's)."""
    if by not in BREAKDOWNS:
        raise Unprocessable(
            f"Tham số 'by' phải là một trong: {', '.join(BREAKDOWNS)}.",
            f"'by' must be one of: {', '.join(BREAKDOWNS)}.",
            code="bad_breakdown",
        )
    period = make_period(date_from, date_to)
    now = now or timezone.now()
    s, e = period.start, _end_instant(period, now)
    qs = scoped(agency=agency, field=field, procedure=procedure)
    rows: list[dict] = []
    if by in ("month", "quarter", "year") or (by in ("agency", "field", "channel") and e >= s):
        # the summary path: one query on the summary table (+ the partial months from the dossier table);
        # grouped rows need e >= s (then a group has a row iff one of its figures is non-zero, as in the raw query)
        counted = period if by in ("month", "quarter", "year") else summary_period(period, now)
        result = _breakdown_from_summary(counted, by, agency, field, procedure, now, include_empty_agencies)
        if result is not None:
            rows, total = result
            return {
                **_echo(period, agency, field, procedure),
                "by": by,
                "as_of": e.astimezone(LOCAL).isoformat(),
                "rows": rows,
                "total": total,
            }
    if by in ("month", "quarter", "year"):
        # one query per sub-period: exactly the figures of on_time_stats for that sub-period (a single query
        # with every sub-period's aggregates was measured: no faster, the scan is CPU-bound on the filters)
        for key, label, sub in sub_periods(period, by):
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "from": sub.date_from.isoformat(),
                    "to": sub.date_to.isoformat(),
                    **with_rates(period_counts(qs, sub, now)),
                }
            )
    else:
        key = {
            "channel": _f("channel"),
            "agency": _f("agency_id"),
            "field": field_key(),
            "procedure": _f("procedure_id"),
        }
        rows = _group_rows(by, _grouped_counts(qs, period, key[by], now), agency, include_empty_agencies)
    total = with_rates(period_counts(qs, period, now))
    return {
        **_echo(period, agency, field, procedure),
        "by": by,
        "as_of": _end_instant(period, now).astimezone(LOCAL).isoformat(),
        "rows": rows,
        "total": total,
    }


def _breakdown_from_summary(period, by, agency, field, procedure, now, include_empty_agencies):
    """(rows, total) of a breakdown from the summary table, or None when the raw queries must be used."""
    from . import summary

    s, x = period.start, period.end
    e = _end_instant(period, now)
    if by in ("month", "quarter", "year"):
        subs = sub_periods(period, by)
        bounds = [(p.start, p.end, _end_instant(p, now)) for _, _, p in subs]
        cum = _summary_cumulator(
            [*bounds, (s, x, e)], agency=agency, field=field, procedure=procedure, now=now, group=None
        )
        if cum is None:
            return None
        cum.prepare([t for b in [*bounds, (s, x, e)] for t in b])
        rows = []
        for (key, label, sub), (ss, sx, se) in zip(subs, bounds, strict=True):
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "from": sub.date_from.isoformat(),
                    "to": sub.date_to.isoformat(),
                    **with_rates(summary.figures(cum, ss, sx, se).get(None, {})),
                }
            )
        return rows, with_rates(summary.figures(cum, s, x, e).get(None, {}))
    cum = _summary_cumulator([(s, x, e)], agency=agency, field=field, procedure=procedure, now=now, group=by)
    if cum is None:
        return None
    grouped = {
        g: counts
        for g, counts in summary.figures(cum, s, x, e).items()
        if any(counts.values())  # the raw query lists a group iff it has a relevant dossier (e >= s: a count)
    }
    total = dict.fromkeys(COUNT_KEYS, 0)
    for counts in grouped.values():
        for k in COUNT_KEYS:
            total[k] += counts.get(k, 0)
    return _group_rows(by, grouped, agency, include_empty_agencies), with_rates(total)


def _group_rows(by: str, grouped: dict, agency, include_empty_agencies: bool) -> list[dict]:
    """The rows of a breakdown by channel / agency / field / procedure from {group key: counts}."""
    grouped = {k: grouped[k] for k in sorted(grouped, key=lambda k: (k is None, k))}  # stable sorts below
    rows: list[dict] = []
    if by == "channel":
        for value, label in Channel.choices:
            rows.append({"key": value, "label": label, **with_rates(grouped.get(value, {}))})
    elif by == "agency":
        agencies = Agency.objects.filter(
            pk__in=subtree_ids(agency) if agency else Agency.objects.values("pk")
        ).order_by("path")
        for a in agencies:
            if a.pk not in grouped and not (include_empty_agencies and a.active):
                continue
            rows.append(
                {
                    "key": a.identifier,
                    "label": a.name,
                    "level": a.level,
                    "parent": a.path.strip("/").split("/")[-2] if a.parent_id else None,
                    **with_rates(grouped.get(a.pk, {})),
                }
            )
        rows.sort(key=_rank_key)
    elif by == "field":
        names = {f.pk: f for f in Field.objects.filter(pk__in=list(grouped))}
        for pk, counts in grouped.items():
            f = names.get(pk)
            rows.append(
                {
                    "key": f.code if f else str(pk),
                    "label": f.name if f else "(không rõ lĩnh vực)",
                    **with_rates(counts),
                }
            )
        rows.sort(key=lambda r: sort_key(r["label"]))
    elif by == "procedure":
        procs = {p.pk: p for p in Procedure.objects.filter(pk__in=list(grouped))}
        for pk, counts in grouped.items():
            p = procs[pk]
            rows.append({"key": p.code, "label": p.name, **with_rates(counts)})
        rows.sort(key=lambda r: r["key"])
    return rows


def field_key():
    """The dossier's field: the snapshot taken at filing, else its procedure's field."""
    return Coalesce("field_id_snapshot", "procedure__field_id", output_field=BigIntegerField())


def _f(name: str):
    from django.db.models import F

    return F(name)


# --- lists behind the figures (drill-down) ---------------------------------------------------------------

LIST_KINDS = {
    "received": _("Tiếp nhận trong kỳ"),
    "carried_over": _("Kỳ trước chuyển sang"),
    "resolved": _("Đã giải quyết trong kỳ"),
    "early": _("Giải quyết trước hạn"),
    "on_time": _("Giải quyết đúng hạn"),
    "late": _("Giải quyết quá hạn"),
    "stopped": _("Dừng xử lý"),
    "refused": _("Từ chối tiếp nhận"),
    "pending_within": _("Đang xử lý trong hạn"),
    "pending_overdue": _("Đang xử lý quá hạn"),
}


def dossiers_behind(
    *,
    date_from,
    date_to,
    kind: str,
    agency: Agency | None = None,
    field: Field | None = None,
    procedure: Procedure | None = None,
    now: dt.datetime | None = None,
) -> QuerySet:
    """The dossiers counted in one figure (same conditions as the aggregate)."""
    if kind not in LIST_KINDS:
        raise Unprocessable(
            f"Loại danh sách không hợp lệ: '{kind}'.", f"Unknown figure '{kind}'.", code="bad_kind"
        )
    period = make_period(date_from, date_to)
    s, x = period.start, period.end
    e = _end_instant(period, now)
    cond = _conditions(s, x, e)[kind]
    qs = scoped(agency=agency, field=field, procedure=procedure)
    if kind in ("pending_within", "pending_overdue"):
        from . import asof

        # the dossiers whose clock stopped or resumed after E: their class at E, as the counts take it
        changed = asof.changed_since(qs, e, now or timezone.now())
        into = [c.pk for c in changed if c.within == (kind == "pending_within")]
        out_of = [c.pk for c in changed if c.within != (kind == "pending_within")]
        cond = (cond & ~Q(pk__in=out_of)) | Q(pk__in=into)
    return qs.filter(cond).select_related("agency", "procedure").order_by("received_at", "code")


def overdue_and_due_soon_qs(
    *, agency_ids: list[int], now: dt.datetime | None = None, hours: int = 48
) -> tuple[QuerySet, QuerySet]:
    """Open (received, not resolved/stopped) dossiers of the agencies, by due instant: already overdue, and due
    within `hours` of calendar time."""
    now = now or timezone.now()
    open_qs = Dossier.objects.filter(
        agency_id__in=agency_ids,
        received_at__isnull=False,
        resolved_at__isnull=True,
        stopped_at__isnull=True,
    ).select_related("agency", "procedure")
    overdue = open_qs.filter(due_at__lt=now).exclude(CLOCK_STOPPED).order_by("due_at")
    soon = open_qs.filter(
        due_at__gte=now, due_at__lte=now + dt.timedelta(hours=hours), paused_since__isnull=True
    ).order_by("due_at")
    return overdue, soon


def overdue_and_due_soon(
    *, agency_ids: list[int], now: dt.datetime | None = None, hours: int = 48, limit: int = 50
) -> tuple[list[Dossier], list[Dossier]]:
    """The first `limit` of each list of `overdue_and_due_soon_qs`."""
    overdue, soon = overdue_and_due_soon_qs(agency_ids=agency_ids, now=now, hours=hours)
    return list(overdue[:limit]), list(soon[:limit])
