"""Statistics pages (server-rendered, Vietnamese): public statistics, the agency leader's dashboard, the overseer's
ranking and the list of dossiers behind a figure. Views only parse, check permission and call selectors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from motcua.catalog.models import Field
from motcua.core.errors import DomainError
from motcua.core.text import identifier_form, sort_key
from motcua.dossiers.models import Classification, State
from motcua.feedback import selectors as feedback_selectors
from motcua.feedback.models import Channel as RatingChannel
from motcua.feedback.models import Level, shown_label
from motcua.org.models import Agency, Role
from motcua.org.selectors import (
    can_read_agency,
    has_subagencies,
    is_overseer_only,
    readable_agencies,
    readable_agency_filter,
    roles_of,
    tree_order,
)

from . import index766, selectors

LIST_PAGE_SIZE = 50
OPEN_LIST_LIMIT = 50  # the dashboard's overdue and due-soon lists show at most this many (and say how many)


@dataclass
class PeriodForm:
    """The period typed into a statistics page's form, or given by the link to a list behind a figure. `period` is
    None while a field is wrong: the page then shows the dates as typed, each error beside its field, and no
    figures (figures of another period under the dates typed would be read as theirs)."""

    period: selectors.Period | None
    shown: dict[str, str]  # "from" / "to": the text the fields show (dd/mm/yyyy, or what was typed if wrong)
    errors: dict[str, str]  # "from" / "to": the message beside that field


def _period_form(
    request: HttpRequest, default_from: dt.date, default_to: dt.date, max_months: int | None = None
) -> PeriodForm:
    """The period of `from` and `to` (dd/mm/yyyy or YYYY-MM-DD; a field left empty takes its default)."""
    days, shown, errors = {}, {}, {}
    for name, default in (("from", default_from), ("to", default_to)):
        raw = (request.GET.get(name) or "").strip()
        shown[name] = raw
        if not raw:
            days[name] = default
        else:
            try:
                days[name] = selectors.parse_date(raw, name)
            except DomainError:
                errors[name] = _("Ngày không hợp lệ: “%(value)s” — nhập ngày theo dạng dd/mm/yyyy.") % {
                    "value": _shown(raw)
                }
                continue
        if not 1900 <= days[name].year <= 2999:
            errors[name] = _("Ngày ngoài khoảng cho phép (từ năm 1900 đến năm 2999).")
        else:
            shown[name] = f"{days[name]:%d/%m/%Y}"
    if not errors and days["from"] > days["to"]:
        # one date typed, the other left to its default: the default gives way (only "to" typed, 31/12/2025, was
        # refused as before a start of 01/01/2026 nobody typed) — the typed date's year, from its start or to its end
        if not (request.GET.get("from") or "").strip():
            days["from"] = dt.date(days["to"].year, 1, 1)
            shown["from"] = f"{days['from']:%d/%m/%Y}"
        elif not (request.GET.get("to") or "").strip():
            days["to"] = dt.date(days["from"].year, 12, 31)
            shown["to"] = f"{days['to']:%d/%m/%Y}"
    if not errors and days["from"] > days["to"]:
        errors["to"] = _("Ngày kết thúc (%(to)s) trước ngày bắt đầu (%(from)s).") % {
            "from": shown["from"],
            "to": shown["to"],
        }
    if not errors and max_months is not None:
        period = selectors.Period(days["from"], days["to"])
        if _month_count(period) > max_months:
            # the leader's trend is month by month: a longer period cannot be split (and would be no dashboard)
            errors["from"] = _(
                "Kỳ thống kê quá dài để xem diễn biến theo tháng (tối đa %(months)s tháng)."
            ) % {"months": max_months}
    period = None if errors else selectors.Period(days["from"], days["to"])
    return PeriodForm(period, shown, errors)


def _as_of(period: selectors.Period, notices: list[str]) -> dt.datetime:
    """The instant the period's pending figures are counted at (its end, or now if sooner); for a period that
    has not started, a notice that its figures are today's pending dossiers."""
    now = timezone.now()
    if period.start > now:
        notices.append(
            _(
                "Kỳ thống kê chưa bắt đầu: chưa có hồ sơ tiếp nhận, giải quyết trong kỳ; số “kỳ trước chuyển sang” "
                "và “đang giải quyết” là các hồ sơ đang giải quyết hiện nay."
            )
        )
    return min(period.end, now)


def _year_to_date() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return dt.date(today.year, 1, 1), today


def _quarter_to_date() -> tuple[dt.date, dt.date]:
    """The staff statistics' default period, whatever the role (leader, overseer, the lists behind a figure): the
    current calendar quarter, from its first day to today — agencies report and publish their one-stop figures by
    quarter, and a leader and an overseer comparing one agency's figures must see the same period."""
    today = timezone.localdate()
    return dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today


QUARTER_NUMERALS = ("I", "II", "III", "IV")


def _period_shortcuts(request: HttpRequest, period: selectors.Period | None) -> list[dict]:
    """One-click periods for a statistics page, as agencies report: each quarter of this year so far and the
    year to date, then last year's quarters and whole year (a period not over ends today). Each link keeps the
    page's other parameters (agency, field, ...); `current` marks the period shown."""
    today = timezone.localdate()
    kept = [(k, v) for k, values in request.GET.lists() if k not in ("from", "to", "page") for v in values]
    shown = (period.date_from, period.date_to) if period is not None else None
    items = []
    for year in (today.year, today.year - 1):
        spans = []
        for q, numeral in enumerate(QUARTER_NUMERALS):
            start = dt.date(year, 3 * q + 1, 1)
            if start > today:
                break
            last = dt.date(year, 3 * q + 4, 1) - dt.timedelta(days=1) if q < 3 else dt.date(year, 12, 31)
            spans.append((_("Quý %(quarter)s/%(year)s") % {"quarter": numeral, "year": year}, start, last))
        spans.append((_("Năm %(year)s") % {"year": year}, dt.date(year, 1, 1), dt.date(year, 12, 31)))
        for label, start, last in spans:
            end = min(last, today)
            query = urlencode([*kept, ("from", start.isoformat()), ("to", end.isoformat())])
            items.append(
                {
                    "label": label if end == last else _("%(period)s (đến nay)") % {"period": label},
                    "url": "?" + query,
                    "current": shown == (start, end),
                }
            )
    return items


def _month_count(period: selectors.Period) -> int:
    """How many calendar months the period touches (the rows of its breakdown by month)."""
    d1, d2 = period.date_from, period.date_to
    return (d2.year - d1.year) * 12 + d2.month - d1.month + 1


def _agency_param(request: HttpRequest, choices) -> tuple[Agency | None, str]:
    """The `agency` asked for, or (None, a notice) when there is no such agency or it is outside `choices`
    (what the user may read; None: any) — the dashboards then show their default scope."""
    agency, problem = _asked_agency(request, choices)
    if problem == "unknown":
        return None, _("Không có cơ quan mã '%(identifier)s' — hiển thị phạm vi mặc định.") % {
            "identifier": _shown(request.GET["agency"])
        }
    if problem == "outside":
        return None, _(
            "Không có cơ quan mã '%(identifier)s' trong phạm vi xem — hiển thị phạm vi mặc định."
        ) % {"identifier": agency.identifier}
    return agency, ""


def _asked_agency(request: HttpRequest, choices) -> tuple[Agency | None, str]:
    """(agency, "") / (None, "unknown") / (agency, "outside") for the `agency` parameter; (None, "") if absent."""
    identifier = identifier_form(request.GET.get("agency"))
    if not identifier:
        return None, ""
    agency = Agency.objects.filter(identifier=identifier).first()
    if agency is None:
        return None, "unknown"
    if choices is not None and agency.pk not in {a.pk for a in choices}:
        return agency, "outside"
    return agency, ""


def _field_param(request: HttpRequest) -> tuple[Field | None, str]:
    """The `field` asked for, or (None, a notice) when there is no such field: the dashboards then show every
    field, as they show their default scope for an unknown agency."""
    if not request.GET.get("field"):
        return None, ""
    try:
        return selectors.field_by_code(request.GET["field"]), ""
    except DomainError:
        return None, _("Không có lĩnh vực mã '%(code)s' — hiển thị mọi lĩnh vực.") % {
            "code": _shown(request.GET["field"])
        }


def _procedure_param(request: HttpRequest):
    """The `procedure` asked for (its code), or (None, a notice) when there is no such procedure: the page then
    shows every procedure's figures and says so — it showed them without a word, under a link that named one."""
    code = (request.GET.get("procedure") or "").strip()
    if not code:
        return None, ""
    try:
        return selectors.procedure_by_code(code), ""
    except DomainError:
        return None, _("Không có thủ tục mã '%(code)s' — hiển thị mọi thủ tục.") % {"code": _shown(code)}


def _procedure_not_filtered(request: HttpRequest) -> str:
    """The notice of a staff dashboard given `procedure=` (it has no such filter): its figures are every
    procedure's, and the public page has them by procedure. '' without the parameter."""
    code = (request.GET.get("procedure") or "").strip()
    if not code:
        return ""
    return _(
        "Trang này không lọc theo thủ tục: số liệu dưới đây là của mọi thủ tục. Số liệu của thủ tục %(code)s: "
        "trang Thống kê (/thong-ke/?procedure=%(code)s)."
    ) % {"code": _shown(code)}


def _list_field(request: HttpRequest) -> Field | None | HttpResponse:
    """The field of a list behind the figures (none: every field); an unknown code is a 404 saying so, as an
    unknown agency is (a list of another scope under the figure's heading would be read as the figure's)."""
    if not request.GET.get("field"):
        return None
    try:
        return selectors.field_by_code(request.GET["field"])
    except DomainError:
        return _bad_request(
            request,
            _("Không có lĩnh vực mã '%(code)s'.") % {"code": _shown(request.GET["field"])},
            status=404,
        )


def _fields() -> list[Field]:
    """The fields of a page's field filter, in Vietnamese order (as the by-field tables; code-point order put
    "Điện lực" after "Xuất …")."""
    return sorted(Field.objects.all(), key=lambda f: sort_key(f.name))


def _shown(value: str) -> str:
    """A parameter echoed in a message: trimmed and cut to a readable length."""
    value = value.strip()
    return value if len(value) <= 40 else value[:40] + "…"


def _list_agency(request: HttpRequest, agencies: list[Agency]) -> Agency | HttpResponse:
    """The agency of a list behind the figures: an unknown code is a 404 saying so, one outside what the user
    may read a 403, none the user's default agency."""
    agency, problem = _asked_agency(request, agencies)
    if problem == "unknown":
        return _bad_request(
            request,
            _("Không có cơ quan mã '%(identifier)s'.") % {"identifier": _shown(request.GET["agency"])},
            status=404,
        )
    if problem == "outside":
        raise PermissionDenied("Không có quyền xem số liệu của cơ quan này.")
    return agency or _default_agency(request.user, agencies)


def _month_label(key: str, label: str) -> str:
    """'2025-03' -> 'Tháng 03/2025' (English: '03/2025'); the API keeps the Vietnamese label."""
    try:
        month = dt.date.fromisoformat(key + "-01")
    except ValueError:
        return label
    return _("Tháng %(month)s") % {"month": f"{month:%m/%Y}"}


def _chart_rows(rows: list[dict]) -> dict:
    return {
        "labels": [r["label"] for r in rows],
        "received": [r["received"] for r in rows],
        "resolved": [r["resolved"] for r in rows],
        "early": [r["early"] for r in rows],
        "on_time": [r["on_time"] for r in rows],
        "late": [r["late"] for r in rows],
        "pending": [r["pending"] for r in rows],
        "on_time_rate": [r["on_time_rate"] for r in rows],
        "online_share": [selectors.rate(r["received_online"], r["received"]) for r in rows],
    }


def _list_url(agency: Agency | None, period: selectors.Period, kind: str, **extra) -> str:
    params = {"from": period.date_from.isoformat(), "to": period.date_to.isoformat(), "kind": kind}
    if agency is not None:
        params["agency"] = agency.identifier
    params.update({k: v for k, v in extra.items() if v})
    return "/thong-ke/ho-so/?" + urlencode(params)


def _ratings_url(agency: Agency | str, period: selectors.Period, **extra) -> str:
    """The ratings behind an agency's satisfaction figures (/thong-ke/danh-gia/)."""
    identifier = agency if isinstance(agency, str) else agency.identifier
    params = {"agency": identifier, "from": period.date_from.isoformat(), "to": period.date_to.isoformat()}
    return "/thong-ke/danh-gia/?" + urlencode({**params, **extra})


# --- public ---------------------------------------------------------------------------------------------------


def public_stats(request: HttpRequest) -> HttpResponse:
    """/thong-ke/ — published figures for any agency and period, with the by-field table."""
    messages = []
    form = _period_form(request, *_year_to_date())
    period = form.period
    agencies = list(Agency.objects.filter(active=True).order_by(tree_order()))
    agency, err = _agency_param(request, None)
    if err:
        messages.append(err)
    field, err = _field_param(request)
    if err:
        messages.append(err)
    procedure, err = _procedure_param(request)
    if err:
        messages.append(err)
    context = {
        "form": form,
        "period": period,
        "agency": agency,
        "agencies": agencies,
        "with_subagencies": has_subagencies(agency),
        "field": field,
        "fields": _fields(),
        "procedure": procedure,
        "procedure_text": (request.GET.get("procedure") or "").strip()[:40] if procedure is None else "",
        "notices": messages,
        "shortcuts": _period_shortcuts(request, period),
    }
    if period is None:
        return render(request, "reports/public.html", context, status=400)  # a date wrong: shown, no figures
    as_of = _as_of(period, messages)
    stats = selectors.on_time_stats(
        date_from=period.date_from, date_to=period.date_to, agency=agency, field=field, procedure=procedure
    )
    by_field = selectors.breakdown(
        date_from=period.date_from,
        date_to=period.date_to,
        by="field",
        agency=agency,
        field=field,
        procedure=procedure,
    )
    query = {"from": period.date_from.isoformat(), "to": period.date_to.isoformat()}
    if agency:
        query["agency"] = agency.identifier
    scope = {"date_from": period.date_from, "date_to": period.date_to, "agency": agency}
    # the ratings of the dossiers in scope, the field's or the procedure's when one is chosen (as the overseer's
    # page filters them); PAKN by agency and period (a PAKN need not concern a dossier)
    satisfaction = feedback_selectors.satisfaction_stats(**scope, field=field, procedure=procedure)
    for c in satisfaction["criteria"]:
        c["shown"] = shown_label(c["label"], c["label_en"])
    satisfaction["levels"] = [
        (label, satisfaction["by_level"][str(value)]) for value, label in sorted(Level.choices, reverse=True)
    ]
    short = {
        RatingChannel.ACCOUNT: _("Tài khoản"),
        RatingChannel.RECEIPT: _("Mã hồ sơ"),
        RatingChannel.COUNTER: _("Tại quầy"),
    }
    satisfaction["channels"] = [
        (short.get(value, label), satisfaction["by_channel"].get(value, 0))
        for value, label in RatingChannel.choices
    ]
    if field:
        query["field"] = field.code
    open_data_query = urlencode(query)  # the open data are by agency and field only
    satisfaction_query = urlencode(query)  # the API's satisfaction takes the field, not the procedure
    if procedure:
        query["procedure"] = procedure.code
    return render(
        request,
        "reports/public.html",
        {
            **context,
            "as_of": as_of,
            "satisfaction": satisfaction,
            "pakn": feedback_selectors.pakn_stats(**scope),
            "satisfaction_query": satisfaction_query,
            "stats": stats,
            "rows": by_field["rows"],
            "export_query": urlencode(query),
            "open_data_query": open_data_query,
            "chart": {
                "labels": [_("Trước hạn"), _("Đúng hạn"), _("Quá hạn")],
                "values": [stats["early"], stats["on_time"], stats["late"]],
            },
        },
    )


# --- leader ---------------------------------------------------------------------------------------------------


def _staff_agencies(user) -> list[Agency]:
    agencies = list(readable_agencies(user))
    if not agencies:
        raise PermissionDenied("Tài khoản không có vai trò cán bộ tại cơ quan nào.")
    return agencies


def _default_agency(user, agencies: list[Agency]) -> Agency:
    """The agency of the user's first leadership (else any) role, else the top of what they may read."""
    roles = roles_of(user)
    for preferred in (Role.LEADER, Role.OVERSEER, Role.UNIT_HEAD, None):
        for r in roles:
            if preferred is None or r.role == preferred:
                return r.agency
    return agencies[0]


@login_required
def leader_dashboard(request: HttpRequest) -> HttpResponse:
    """/thong-ke/lanh-dao/ — monthly trend, on-time rate by field, overdue and due-soon lists, online share."""
    agencies = _staff_agencies(request.user)
    notices = [n for n in [_procedure_not_filtered(request)] if n]
    form = _period_form(request, *_quarter_to_date(), max_months=selectors.MAX_SUB_PERIODS)
    period = form.period
    agency, err = _agency_param(request, agencies)
    if err:
        notices.append(err)
    agency = agency or _default_agency(request.user, agencies)
    if not can_read_agency(request.user, agency):
        raise PermissionDenied("Không có quyền xem số liệu của cơ quan này.")
    now = timezone.now()
    overdue, soon = (
        _first_and_count(qs)
        for qs in selectors.overdue_and_due_soon_qs(agency_ids=_listed_ids(agency, agencies), now=now)
    )
    today = timezone.localdate(now)
    context = {
        "form": form,
        "period": period,
        "agency": agency,
        "with_subagencies": has_subagencies(agency),
        "agencies": agencies,
        "notices": notices,
        # the overdue and due-soon lists are of now, not of the period: shown even while the period is wrong
        "overdue": overdue,
        "due_soon": soon,
        "overdue_now_url": _list_url(agency, selectors.Period(today, today), "pending_overdue"),
        "now": now,
        "shortcuts": _period_shortcuts(request, period),
    }
    if period is None:
        return render(request, "reports/leader.html", context, status=400)
    as_of = _as_of(period, notices)
    # the Decision 766 block carries the period's contract §5 figures: one computation for both
    index = index766.indicators(period=period, agency=agency)
    stats = index["figures"]
    monthly = selectors.breakdown(
        date_from=period.date_from, date_to=period.date_to, by="month", agency=agency
    )
    by_field = selectors.breakdown(
        date_from=period.date_from, date_to=period.date_to, by="field", agency=agency
    )
    row_kinds = (
        "received",
        "carried_over",
        "resolved",
        "early",
        "on_time",
        "late",
        "pending_within",
        "pending_overdue",
    )
    for r in monthly["rows"]:
        r["online_share"] = selectors.rate(r["received_online"], r["received"])
        r["label"] = _month_label(r["key"], r["label"])
        # each month's counts to their dossiers, as the cards' (the month's own period)
        month = selectors.Period(dt.date.fromisoformat(r["from"]), dt.date.fromisoformat(r["to"]))
        r["urls"] = {kind: _list_url(agency, month, kind) for kind in row_kinds}
    for r in by_field["rows"]:
        r["urls"] = {kind: _list_url(agency, period, kind, field=r["key"]) for kind in row_kinds}
    return render(
        request,
        "reports/leader.html",
        {
            **context,
            "as_of": as_of,
            "stats": stats,
            "online_share": selectors.rate(stats["received_online"], stats["received"]),
            "monthly": monthly["rows"],
            "field_rows": by_field["rows"],
            "index766": index,
            # every count linked to the dossiers behind it (/thong-ke/ho-so/)
            "figure_urls": {kind: _list_url(agency, period, kind) for kind in selectors.LIST_KINDS},
            "ratings_url": _ratings_url(agency, period),
            "chart_monthly": _chart_rows(monthly["rows"]),
            "chart_fields": {
                "labels": [r["label"] for r in by_field["rows"]],
                "on_time_rate": [r["on_time_rate"] for r in by_field["rows"]],
            },
        },
    )


def _listed_ids(agency: Agency, readable: list[Agency]) -> list[int]:
    """The agencies of `agency`'s subtree whose dossiers a list may name to this reader: those they read (ADR 0003:
    an officer, specialist or unit head reads their own agency, not the wards under it; a leader, overseer or
    administrator the whole subtree). The figures count the subtree — they are public —, the rows are dossiers."""
    allowed = {a.pk for a in readable}
    return [pk for pk in selectors.subtree_ids(agency) if pk in allowed]


def _first_and_count(qs) -> dict:
    """The first OPEN_LIST_LIMIT rows of a list on the dashboard, and how many there are in all."""
    items = list(qs[: OPEN_LIST_LIMIT + 1])
    count = len(items) if len(items) <= OPEN_LIST_LIMIT else qs.count()
    return {"items": items[:OPEN_LIST_LIMIT], "count": count}


# --- overseer -------------------------------------------------------------------------------------------------


def _overseen(user) -> list[Agency]:
    if user.is_superuser:
        return list(Agency.objects.filter(parent__isnull=True).order_by(tree_order()))
    tops = [r.agency for r in roles_of(user) if r.role in (Role.OVERSEER, Role.ADMIN)]
    if not tops:
        raise PermissionDenied("Trang giám sát dành cho tài khoản có vai trò giám sát.")
    return tops


@login_required
def overseer_dashboard(request: HttpRequest) -> HttpResponse:
    """/thong-ke/giam-sat/ — every agency of the jurisdiction ranked by on-time rate."""
    tops = _overseen(request.user)
    notices = [n for n in [_procedure_not_filtered(request)] if n]
    form = _period_form(request, *_quarter_to_date())
    period = form.period
    readable = list(readable_agencies(request.user)) if not request.user.is_superuser else None
    scope, err = _agency_param(request, readable)
    if err:
        notices.append(err)
    scope = scope or tops[0]
    if not can_read_agency(request.user, scope):
        raise PermissionDenied("Không có quyền xem số liệu của cơ quan này.")
    field, err = _field_param(request)
    if err:
        notices.append(err)
    context = {
        "form": form,
        "period": period,
        "scope": scope,
        "tops": tops,
        "notices": notices,
        "field": field,
        "fields": _fields(),
        "shortcuts": _period_shortcuts(request, period),
    }
    if period is None:
        return render(request, "reports/overseer.html", context, status=400)
    as_of = _as_of(period, notices)
    ranking = selectors.breakdown(
        date_from=period.date_from, date_to=period.date_to, by="agency", agency=scope, field=field
    )
    rows = []
    q = {"from": period.date_from.isoformat(), "to": period.date_to.isoformat()}
    if field is not None:
        q["field"] = field.code
    ids = dict(
        Agency.objects.filter(identifier__in=[r["key"] for r in ranking["rows"]]).values_list(
            "identifier", "pk"
        )
    )
    satisfaction = feedback_selectors.satisfaction_by_agency(
        date_from=period.date_from, date_to=period.date_to, agency_ids=ids.values(), field=field
    )
    for i, r in enumerate(ranking["rows"], start=1):
        rate = r["on_time_rate"]
        if rate is not None and rows and rows[-1]["on_time_rate"] == rate:
            rank = rows[-1][
                "rank"
            ]  # the same rate, the same rank (the order within keeps most resolved first)
        else:
            rank = i if rate is not None else None
        rows.append(
            {
                **r,
                "satisfaction": satisfaction.get(ids.get(r["key"])),
                "ratings_url": _ratings_url(r["key"], period, own="1", **_field_query(field)),
                "rank": rank,
                # the leader's dashboard has no field filter: its link is the agency's whole period
                "leader_url": "/thong-ke/lanh-dao/?"
                + urlencode({"from": q["from"], "to": q["to"], "agency": r["key"]}),
                "late_url": "/thong-ke/ho-so/?"
                + urlencode({**q, "agency": r["key"], "classification": "late", "own": "1"}),
                "overdue_url": "/thong-ke/ho-so/?"
                + urlencode({**q, "agency": r["key"], "kind": "pending_overdue", "own": "1"}),
                # the row's other counts, each to its dossiers (the agency's own, as the row counts them)
                "urls": {
                    kind: "/thong-ke/ho-so/?" + urlencode({**q, "agency": r["key"], "kind": kind, "own": "1"})
                    for kind in ("received", "carried_over", "resolved", "early", "on_time", "pending_within")
                },
            }
        )
    return render(
        request,
        "reports/overseer.html",
        {
            **context,
            "as_of": as_of,
            "rows": rows,
            "total": ranking["total"],
            # the totals' counts linked to the dossiers behind them, the sub-agencies' included
            "figure_urls": {
                kind: _list_url(scope, period, kind, **_field_query(field)) for kind in selectors.LIST_KINDS
            },
            "total_satisfaction": feedback_selectors.satisfaction_summary(
                feedback_selectors.ratings_in(
                    date_from=period.date_from, date_to=period.date_to, agency=scope, field=field
                )
            ),
            "chart": {
                "labels": [r["key"] for r in rows if r["on_time_rate"] is not None],
                "on_time_rate": [r["on_time_rate"] for r in rows if r["on_time_rate"] is not None],
            },
        },
    )


def _field_query(field: Field | None) -> dict:
    return {"field": field.code} if field is not None else {}


def _dashboard_crumb(user, agency: Agency, period, field: Field | None = None) -> dict:
    """The list pages' way back: the overseers' page for a read-only overseer (a People's Council member has no
    "Bảng điều hành"), the leaders' dashboard for everyone else; the same agency and period (and field, on the
    overseers' page, the one with a field filter)."""
    query = {"agency": agency.identifier}
    if period is not None:
        query.update({"from": period.date_from.isoformat(), "to": period.date_to.isoformat()})
    if is_overseer_only(user):
        query.update(_field_query(field))
        return {
            "url": "/thong-ke/giam-sat/?" + urlencode(query),
            "label": _("Giám sát tình hình giải quyết TTHC"),
        }
    return {"url": "/thong-ke/lanh-dao/?" + urlencode(query), "label": _("Bảng điều hành")}


# --- the ratings behind the satisfaction figures --------------------------------------------------------------


@login_required
def rating_list(request: HttpRequest) -> HttpResponse:
    """/thong-ke/danh-gia/?agency=&from=&to=[&level=1]: the applicants' ratings of the agency's (and its
    sub-agencies') dossiers in the period, with their comments — for the leader to act on the unsatisfied ones."""
    agencies = _staff_agencies(request.user)
    form = _period_form(request, *_quarter_to_date())
    period = form.period
    agency = _list_agency(request, agencies)
    if isinstance(agency, HttpResponse):
        return agency
    if not can_read_agency(request.user, agency):
        raise PermissionDenied("Không có quyền xem đánh giá của cơ quan này.")
    field = _list_field(request)
    if isinstance(field, HttpResponse):
        return field
    raw_level = (request.GET.get("level") or "").strip()
    if raw_level and raw_level not in {str(v) for v in Level.values}:
        return _bad_request(
            request, _("Mức đánh giá không hợp lệ: '%(level)s' (1–4).") % {"level": _shown(raw_level)}
        )
    levels = (int(raw_level),) if raw_level else ()
    own = request.GET.get("own") == "1"
    # the ratings (with their comments) of the agencies the reader reads only (_listed_ids)
    listed = _listed_ids(agency, agencies)
    context = {
        "form": form,
        "period": period,
        "agency": agency,
        "agencies": agencies,
        "level": raw_level,
        "levels": sorted(Level.choices, reverse=True),
        "own": own,
        "with_subagencies": len(listed) > 1,
        "field": field,
        "crumb": _dashboard_crumb(request.user, agency, period, field),
    }
    if period is None:
        return render(
            request, "reports/rating_list.html", {**context, "kept": _kept_params(request)}, status=400
        )
    scope = {
        "date_from": period.date_from,
        "date_to": period.date_to,
        "agency": agency,
        "own": own or len(listed) == 1,
        "field": field,
    }
    readable = Q() if scope["own"] else readable_agency_filter(request.user, "dossier__agency")
    qs = feedback_selectors.ratings_in(**scope, levels=levels).filter(readable)
    # the figures above the list: every level
    satisfaction = feedback_selectors.satisfaction_summary(
        feedback_selectors.ratings_in(**scope).filter(readable)
    )
    page = Paginator(qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    labels = feedback_selectors.criterion_labels()
    for r in page.object_list:
        r.score_rows = feedback_selectors.score_rows(r.scores, labels)
    return render(
        request,
        "reports/rating_list.html",
        {
            **context,
            "page": page,
            "count": page.paginator.count,
            "satisfaction": satisfaction,
            "query": params.urlencode(),
        },
    )


# --- the dossiers behind a figure -----------------------------------------------------------------------------

CLASSIFICATION_KINDS = {c.value: c.value for c in Classification}


@login_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    """/thong-ke/ho-so/?agency=&from=&to=&classification=late (or kind=<figure>) [&own=1: the agency itself,
    without its sub-agencies]."""
    agencies = _staff_agencies(request.user)
    form = _period_form(request, *_quarter_to_date())
    period = form.period
    kind = (request.GET.get("kind") or "").strip()
    classification = (request.GET.get("classification") or "").strip()
    if classification:
        if classification not in CLASSIFICATION_KINDS:
            return _bad_request(
                request, _("Phân loại không hợp lệ: '%(value)s'.") % {"value": _shown(classification)}
            )
        kind = classification
    kind = kind or "received"
    if kind not in selectors.LIST_KINDS:
        return _bad_request(request, _("Loại số liệu không hợp lệ: '%(value)s'.") % {"value": _shown(kind)})
    agency = _list_agency(request, agencies)
    if isinstance(agency, HttpResponse):
        return agency
    if not can_read_agency(request.user, agency):
        raise PermissionDenied("Không có quyền xem hồ sơ của cơ quan này.")
    field = _list_field(request)
    if isinstance(field, HttpResponse):
        return field
    own = request.GET.get("own") == "1"
    # the rows are dossiers: only of the agencies the reader reads (_listed_ids), the sub-agencies' when they do
    listed = _listed_ids(agency, agencies)
    context = {
        "form": form,
        "period": period,
        "agency": agency,
        "kind": kind,
        "kind_label": selectors.LIST_KINDS[kind],
        "own": own,
        "with_subagencies": len(listed) > 1,
        "field": field,
        "crumb": _dashboard_crumb(request.user, agency, period, field),
    }
    if period is None:
        return render(
            request, "reports/dossier_list.html", {**context, "kept": _kept_params(request)}, status=400
        )
    qs = selectors.dossiers_behind(
        date_from=period.date_from, date_to=period.date_to, kind=kind, agency=agency, field=field
    )
    qs = (
        qs.filter(agency=agency)
        if own or len(listed) == 1
        else qs.filter(readable_agency_filter(request.user))
    )
    page = Paginator(qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    now = timezone.now()
    return render(
        request,
        "reports/dossier_list.html",
        {
            **context,
            "page": page,
            "count": page.paginator.count,
            "query": params.urlencode(),
            "now": now,
            "state_labels": dict(State.choices),
            "classification_labels": dict(Classification.choices),
        },
    )


def _kept_params(request: HttpRequest) -> list[tuple[str, str]]:
    """The query's parameters other than the period and the page: what a list's corrected period form sends again
    (agency, figure, own, level), as the link gave them."""
    return [(k, v) for k, values in request.GET.lists() if k not in ("from", "to", "page") for v in values]


def _bad_request(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "reports/error.html", {"message": message}, status=status)
