"""Decision 766/QĐ-TTg service-quality index: the indicators this platform's data supports.

Supported (rules §4, as transcribed from the national Portal's formula document — [P], not the legal text):
- 2.1  dossiers processed or in process on time or within time / dossiers received + carried over (%)
       = `index_2_1` of the contract §5 statistics.
- 2.2  average processing time of dossiers completed in the period, in working days: the office time of working
       days between the counting start and the resolution, minus the paused time (supplement / payment); stored
       per dossier at resolution (`Dossier.processing_seconds`) and summed by the statistics summary (ADR 0017).
       Informative (the Portal publishes no target or score rule for it): score is null.
- 3.3  online share: dossiers received online / dossiers received (%). (The Portal's 3.3 counts online dossiers
       meeting the electronic-result condition; this platform measures the online share of receptions.)
- 5.2  PAKN (feedback) answered on time / PAKN under the agency's competence (answered + overdue unanswered),
       from motcua.feedback (`pakn_stats`).
- 5.3p PAKN satisfaction (rules §4): (PAKN answered in the period − those whose sender said "Không hài lòng"
       with the answer) / PAKN answered in the period (%), from motcua.feedback (`pakn_stats`) — informative (no
       verified weight). Coded 5.3p so that 5.3 keeps its meaning in the API (the Portal's transcription lists
       PAKN satisfaction third in group 5).
- 5.3  share of satisfied ratings (Rất hài lòng + Hài lòng) among the ratings given in the period — informative.
- 5.4  100 % − (late-dossier rate + rate of dossiers with a PAKN or a "Không hài lòng" rating), over the dossiers
       resolved in the period (Portal formula, rules §4).
  Without any PAKN or rating in scope the 5.x values are null with "không có dữ liệu" — never 0.
Groups 1 (publicity) and 4 (digitisation) have no data on this platform: listed as null.

Score conversion (rules §4): with a target T, score = Pmax if R >= T else R × Pmax / T; without a target,
score = R × Pmax (R as a fraction). Weights (Pmax) and targets are configurable through settings
MOTCUA_INDEX766 = {"2.1": {"pmax": 20, "target": None}, ...} (merged over the defaults below).
THE DEFAULT WEIGHTS AND TARGETS ARE UNVERIFIED: the exact split of points inside each group in the Decision's
annex could not be read (rules §4 [U]). Operators should set the values their province applies.
"""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext_noop

from motcua.org.models import Agency

from . import selectors

NO_DATA = gettext_noop("không có dữ liệu")

DEFAULTS: dict[str, dict] = {
    "2.1": {
        "group": 2,
        "name": gettext_noop("Tỷ lệ hồ sơ đã và đang xử lý đúng hạn, trong hạn"),
        "unit": "%",
        "pmax": 20,
        "target": None,
    },
    "2.2": {
        "group": 2,
        "name": gettext_noop("Thời gian giải quyết trung bình của hồ sơ đã hoàn thành"),
        "unit": gettext_noop("ngày làm việc"),
        "pmax": None,
        "target": None,
    },
    "3.3": {
        "group": 3,
        "name": gettext_noop("Tỷ lệ hồ sơ tiếp nhận trực tuyến"),
        "unit": "%",
        "pmax": 4,
        "target": 50,
    },
    "5.2": {
        "group": 5,
        "name": gettext_noop("Tỷ lệ phản ánh, kiến nghị được xử lý đúng hạn"),
        "unit": "%",
        "pmax": 6,
        "target": None,
    },
    "5.3": {
        "group": 5,
        "name": gettext_noop("Tỷ lệ đánh giá hài lòng (rất hài lòng, hài lòng)"),
        "unit": "%",
        "pmax": None,
        "target": None,
    },
    "5.3p": {
        "group": 5,
        "name": gettext_noop("Tỷ lệ hài lòng về việc giải quyết phản ánh, kiến nghị"),
        "unit": "%",
        "pmax": None,
        "target": None,
    },
    "5.4": {
        "group": 5,
        "name": gettext_noop("Mức độ hài lòng trong giải quyết thủ tục hành chính"),
        "unit": "%",
        "pmax": 6,
        "target": 90,
    },
}
GROUPS = {
    1: ("Công khai, minh bạch", 18),
    2: ("Tiến độ, kết quả giải quyết", 20),
    3: ("Cung cấp dịch vụ trực tuyến", 22),
    4: ("Số hóa hồ sơ", 22),
    5: ("Mức độ hài lòng", 18),
}


def config() -> dict[str, dict]:
    merged = copy.deepcopy(DEFAULTS)
    for code, values in (getattr(settings, "MOTCUA_INDEX766", None) or {}).items():
        merged.setdefault(code, {}).update(values or {})
    return merged


def _q(value: Decimal | float | None, places: str = "0.01") -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal(places), ROUND_HALF_UP))


def score(r: float | None, pmax, target) -> float | None:
    """Rules §4: Pmax if R >= T, else R × Pmax / T; without target R × Pmax (R in %, so R/100 × Pmax)."""
    if r is None or pmax is None:
        return None
    r, pmax = Decimal(str(r)), Decimal(str(pmax))
    if target:
        t = Decimal(str(target))
        return _q(pmax if r >= t else r * pmax / t)
    return _q(r / 100 * pmax)


def average_processing_days(counts: dict) -> tuple[float | None, int]:
    """2.2: mean processing time (working days of 8 office hours) of the dossiers resolved in the period, from the
    raw counts of `selectors.scope_counts` (`timed` dossiers with a stored time, `processing_seconds` their sum —
    stored at resolution by the lifecycle, summed by the statistics summary)."""
    n = int(counts.get("timed") or 0)
    if not n:
        return None, 0
    return _q(Decimal(int(counts.get("processing_seconds") or 0)) / n / (8 * 3600)), n


def satisfaction_values(qs, period: selectors.Period, agency, figures: dict, now=None) -> dict:
    """Group 5 from the feedback app (ratings and PAKN); an empty dict where there is no such data."""
    try:
        from django.db.models import Exists, OuterRef

        from motcua.feedback import selectors as fb
        from motcua.feedback.models import Feedback, Level, Rating
    except ImportError:  # pragma: no cover - the feedback app is part of the platform
        return {}
    out = {}
    pakn = fb.pakn_stats(date_from=period.date_from, date_to=period.date_to, agency=agency, now=now)
    if pakn["on_time_rate"] is not None:
        out["5.2"] = (
            pakn["on_time_rate"],
            {
                "answered_on_time": pakn["answered_on_time"],
                "answered": pakn["answered"],
                "overdue": pakn["overdue"],
            },
        )
    out.update(_pakn_satisfaction(pakn))
    sat = fb.satisfaction_stats(date_from=period.date_from, date_to=period.date_to, agency=agency)
    if sat["ratings"]:
        out["5.3"] = (sat["satisfied_rate"], {"satisfied": sat["satisfied"], "ratings": sat["ratings"]})
    resolved = qs.filter(resolved_at__gte=period.start, resolved_at__lt=period.end)
    n = figures["resolved"]
    has_feedback = Exists(Feedback.objects.filter(dossier=OuterRef("pk")))
    disliked = Exists(Rating.objects.filter(dossier=OuterRef("pk"), overall=Level.DISSATISFIED))
    signals = (
        Rating.objects.filter(dossier__in=resolved).exists()
        or Feedback.objects.filter(dossier__in=resolved).exists()
    )
    if n and signals:
        out["5.4"] = _index_5_4(n, figures["late"], resolved.filter(has_feedback | disliked).count())
    return out


def _pakn_satisfaction(pakn: dict) -> dict:
    """5.3p from a `pakn_stats` dict: {} without PAKN answered in the period."""
    if pakn["satisfaction_rate"] is None:
        return {}
    detail = {k: pakn[k] for k in ("answered", "sender_dissatisfied", "sender_evaluated")}
    return {"5.3p": (pakn["satisfaction_rate"], detail)}


def _index_5_4(resolved: int, late: int, bad: int) -> tuple:
    late_rate = Decimal(late) * 100 / resolved
    bad_rate = Decimal(bad) * 100 / resolved
    return (
        _q(max(Decimal(0), 100 - late_rate - bad_rate)),
        {"resolved": resolved, "late": late, "with_feedback_or_dissatisfied": bad},
    )


def _contract_values(counts: dict) -> tuple[dict, dict]:
    """(figures, {code: (value, detail)}) of the indicators read from the contract §5 counts: 2.1, 2.2, 3.3."""
    figures = selectors.with_rates(counts)
    avg_days, completed = average_processing_days(counts)
    return figures, {
        "2.1": (
            figures["index_2_1"],
            {
                "numerator": figures["early"] + figures["on_time"] + figures["pending_within"],
                "denominator": figures["received"] + figures["carried_over"],
            },
        ),
        "2.2": (avg_days, {"completed": completed}),
        "3.3": (
            selectors.rate(figures["received_online"], figures["received"]),
            {"numerator": figures["received_online"], "denominator": figures["received"]},
        ),
    }


def indicators_for_scopes(
    *, periods: list[selectors.Period], scopes: list[Agency | None], now=None
) -> list[list[dict]]:
    """[[`indicators` of each period] for each scope] (one `now` for all), read together: the contract figures of a
    scope from one summary read for all its periods, the satisfaction group from three queries grouped by agency
    for every scope and period, summed per scope in Python. The scopes after the first lie in its subtree (the
    agency and its sub-agencies of `index_report`). Equal to `indicators` (test); the report by month for each
    ward of a district used to take 13 s, a handful of queries per row."""
    from django.db.models import Count, Exists, OuterRef, Q
    from django.utils import timezone

    from motcua.feedback import selectors as fb
    from motcua.feedback.models import Feedback, Level, Rating

    now = now or timezone.now()
    union = scopes[0]
    dates = [(p.date_from, p.date_to) for p in periods]
    pakn = fb.pakn_counts_by_agency(periods=dates, agency=union, now=now)
    rated = fb.rating_counts_by_agency(periods=dates, agency=union)
    # 5.4: per agency and period, the resolved dossiers with a PAKN or a "Không hài lòng" rating ("bad"), and
    # those with any PAKN or rating (the group has data when there is one)
    resolved_qs = (
        selectors.scoped(agency=union)
        .filter(resolved_at__gte=min(p.start for p in periods), resolved_at__lt=max(p.end for p in periods))
        .annotate(
            _fb=Exists(Feedback.objects.filter(dossier=OuterRef("pk"))),
            _bad=Exists(Rating.objects.filter(dossier=OuterRef("pk"), overall=Level.DISSATISFIED)),
            _rated=Exists(Rating.objects.filter(dossier=OuterRef("pk"))),
        )
    )
    signals: dict[int, list[tuple[int, int]]] = {}
    for offset, chunk in fb._chunks(periods):
        aggregates = {}
        for j, p in enumerate(chunk):
            resolved = Q(resolved_at__gte=p.start, resolved_at__lt=p.end)
            aggregates[f"bad_{j}"] = Count("pk", filter=resolved & (Q(_fb=True) | Q(_bad=True)))
            aggregates[f"sig_{j}"] = Count("pk", filter=resolved & (Q(_fb=True) | Q(_rated=True)))
        for row in resolved_qs.values("agency_id").order_by().annotate(**aggregates):
            lists = signals.setdefault(row["agency_id"], [(0, 0)] * len(periods))
            for j in range(len(chunk)):
                lists[offset + j] = (row[f"bad_{j}"], row[f"sig_{j}"])
    paths = dict(Agency.objects.values_list("pk", "path"))
    out = []
    for scope in scopes:
        inside = [pk for pk, path in paths.items() if scope is None or path.startswith(scope.path)]
        counts = selectors.scope_counts_many(periods, agency=scope, now=now)
        rows = []
        for i, (p, c) in enumerate(zip(periods, counts, strict=True)):
            figures, values = _contract_values(c)
            pk = fb.pakn_from_counts(
                p.date_from,
                p.date_to,
                scope,
                {k: sum(pakn[a][i][k] for a in inside if a in pakn) for k in fb.PAKN_COUNTS},
            )
            if pk["on_time_rate"] is not None:
                values["5.2"] = (
                    pk["on_time_rate"],
                    {k: pk[k] for k in ("answered_on_time", "answered", "overdue")},
                )
            values.update(_pakn_satisfaction(pk))
            n, ok = (sum(rated[a][i][k] for a in inside if a in rated) for k in (0, 1))
            if n:
                values["5.3"] = (fb.rate(ok, n), {"satisfied": ok, "ratings": n})
            bad, sig = (sum(signals[a][i][k] for a in inside if a in signals) for k in (0, 1))
            if figures["resolved"] and sig:
                values["5.4"] = _index_5_4(figures["resolved"], figures["late"], bad)
            rows.append(_assemble(figures, values))
        out.append(rows)
    return out


def indicators(*, period: selectors.Period, agency: Agency | None, now=None) -> dict:
    """The indicators of one period (the reference `indicators_many` is tested against)."""
    qs = selectors.scoped(agency=agency)
    figures, values = _contract_values(selectors.scope_counts(period, agency=agency, now=now))
    values.update(satisfaction_values(qs, period, agency, figures, now))
    return _assemble(figures, values)


def _assemble(figures: dict, values: dict) -> dict:
    cfg = config()
    out = []
    for code, c in sorted(cfg.items()):
        value, detail = values.get(code, (None, {}))
        has_data = code in values and value is not None
        item = {
            "code": code,
            "group": c.get("group"),
            "name": c.get("name", code),
            "unit": c.get("unit", "%"),
            "value": value,
            "target": c.get("target"),
            "pmax": c.get("pmax"),
            "score": score(value, c.get("pmax"), c.get("target")) if c.get("unit", "%") == "%" else None,
            "detail": detail,
            "note": None if has_data else NO_DATA,
        }
        out.append(item)
    scored = [i for i in out if i["score"] is not None]
    return {
        "indicators": out,
        "score_available": _q(sum(Decimal(str(i["score"])) for i in scored)) if scored else None,
        "pmax_available": sum(i["pmax"] for i in scored) if scored else None,
        "figures": figures,
    }


def index_report(*, date_from, date_to, agency: Agency | None = None, by=None, children=False, now=None):
    """Indicators for the scope agency (its whole subtree) — and, with `children`, for each direct
    sub-agency — for the period or each month / quarter / year of it."""
    period = selectors.make_period(date_from, date_to)
    if by in (None, ""):
        periods = [(f"{period.date_from}/{period.date_to}", "Cả kỳ", period)]
    elif by in ("month", "quarter", "year"):
        periods = selectors.sub_periods(period, by)
    else:
        from motcua.core.errors import Unprocessable

        raise Unprocessable(
            "Tham số 'by' phải là month, quarter hoặc year.", "'by' must be month, quarter or year."
        )
    scopes: list[Agency | None] = [agency]
    if children:
        kids = Agency.objects.filter(parent=agency) if agency else Agency.objects.filter(parent__isnull=True)
        scopes += list(kids.filter(active=True).order_by("path"))
    rows = []
    read = indicators_for_scopes(periods=[p for _k, _l, p in periods], scopes=scopes, now=now)
    for a, per_period in zip(scopes, read, strict=True):
        for (key, label, sub), data in zip(periods, per_period, strict=True):
            rows.append(
                {
                    "agency": a.identifier if a else None,
                    "agency_name": a.name if a else "Toàn hệ thống",
                    "period": key,
                    "period_label": label,
                    "from": sub.date_from.isoformat(),
                    "to": sub.date_to.isoformat(),
                    **data,
                }
            )
    return {
        "from": period.date_from.isoformat(),
        "to": period.date_to.isoformat(),
        "agency": agency.identifier if agency else None,
        "by": by or None,
        "groups": {str(k): {"name": v[0], "pmax": v[1]} for k, v in GROUPS.items()},
        "unverified_weights": True,
        "note": "Trọng số và chỉ tiêu mặc định chưa được đối chiếu với phụ lục Quyết định 766; "
        "cấu hình MOTCUA_INDEX766 để áp dụng giá trị chính thức.",
        "rows": rows,
    }
