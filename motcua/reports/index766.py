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
        bad = resolved.filter(has_feedback | disliked).count()
        late_rate = Decimal(figures["late"]) * 100 / n
        bad_rate = Decimal(bad) * 100 / n
        out["5.4"] = (
            _q(max(Decimal(0), 100 - late_rate - bad_rate)),
            {"resolved": n, "late": figures["late"], "with_feedback_or_dissatisfied": bad},
        )
    return out


def indicators(*, period: selectors.Period, agency: Agency | None, now=None) -> dict:
    cfg = config()
    qs = selectors.scoped(agency=agency)
    counts = selectors.scope_counts(period, agency=agency, now=now)
    figures = selectors.with_rates(counts)
    avg_days, completed = average_processing_days(counts)
    values = {
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
        **satisfaction_values(qs, period, agency, figures, now),
    }
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
    for a in scopes:
        for key, label, sub in periods:
            data = indicators(period=sub, agency=a, now=now)
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
