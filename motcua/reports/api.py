"""Public statistics API (/api/v1/stats): contract §5 figures, breakdowns, Decision 766 index, exports.

Statistics are published information: no authentication. Bad input gets JSON {"error", "message" (Vietnamese),
"message_en"} with 422 (bad or missing dates, from > to, bad `by`, a scope the endpoint cannot apply) or 404
(unknown agency / field / procedure).
"""

from django.http import HttpRequest, HttpResponse
from django.utils.http import urlencode
from ninja import Query, Router

from motcua.core.errors import Unprocessable
from motcua.core.schemas import closest, ignored_query, with_ignored

from . import exports, index766, selectors
from . import pdf as report_pdf

router = Router(tags=["stats"])

SCOPE_PARAMS = ("agency", "field", "procedure")


def _only_scopes(request: HttpRequest, *taken: str) -> None:
    """Refuse a scope the endpoint cannot apply (`field` on the Decision 766 index, `procedure` on the open
    data...): it was ignored, and the figures of the wider scope came back as if they were the narrower one's."""
    extra = [k for k in SCOPE_PARAMS if k not in taken and (request.GET.get(k) or "").strip()]
    if extra:
        names = ", ".join(f"'{k}'" for k in extra)
        allowed = ", ".join(f"'{k}'" for k in taken)
        raise Unprocessable(
            f"Số liệu này không lọc được theo {names} (chỉ theo {allowed}): bỏ tham số đó, hoặc dùng "
            "/api/v1/stats/on-time hay /api/v1/stats/breakdown.",
            f"These figures cannot be filtered by {names} (only by {allowed}): leave it out, or use "
            "/api/v1/stats/on-time or /api/v1/stats/breakdown.",
            code="unsupported_scope",
        )


def _file_takes(request: HttpRequest, *known: str) -> None:
    """A file export refuses a parameter it does not take (`?agncy=`), naming it and the one meant: a JSON answer
    says so under `ignored`, but a spreadsheet or a PDF of the whole province cannot, and would be read (or
    published) as the narrower scope's."""
    unknown = [key for key in request.GET if key not in known]
    if not unknown:
        return
    vi, en = [], []
    for key in unknown:
        shown = key[:100]
        close = closest(key, known)
        vi.append(f"'{shown}'" + (f" (có phải ý bạn là '{close[0]}'?)" if close else ""))
        en.append(f"'{shown}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    raise Unprocessable(
        f"Tệp không được tạo: tham số {', '.join(vi)} không thuộc API này. Sửa hoặc bỏ tham số đó; các tham số "
        f"nhận: {', '.join(known)}.",
        f"No file was made: {', '.join(en)} is not a parameter of this API. Correct it or leave it out; the "
        f"parameters taken: {', '.join(known)}.",
        code="unknown_parameter",
    )


def _scope(agency: str | None, field: str | None, procedure: str | None):
    return (
        selectors.agency_by_identifier(agency),
        selectors.field_by_code(field),
        selectors.procedure_by_code(procedure),
    )


@router.get(
    "/on-time",
    summary="Thống kê tiếp nhận, giải quyết, trước/đúng/quá hạn (contract §5)",
    response={200: dict, 404: dict, 422: dict},
)
def on_time(
    request: HttpRequest,
    date_from: str | None = Query(
        None, alias="from", description="Bắt buộc. Ngày đầu kỳ YYYY-MM-DD (giờ Việt Nam) — required"
    ),
    to: str | None = Query(
        None, description="Bắt buộc. Ngày cuối kỳ YYYY-MM-DD, tính cả ngày này — required, inclusive"
    ),
    agency: str | None = Query(None, description="Mã định danh cơ quan (gồm cả các cơ quan cấp dưới)"),
    field: str | None = Query(None, description="Mã (hoặc tên) lĩnh vực"),
    procedure: str | None = Query(None, description="Mã thủ tục"),
):
    period = selectors.make_period(date_from, to)
    a, f, p = _scope(agency, field, procedure)
    return _with_ignored(
        request,
        selectors.on_time_stats(
            date_from=period.date_from, date_to=period.date_to, agency=a, field=f, procedure=p
        ),
        ("from", "to", "agency", "field", "procedure"),
    )


def _with_ignored(request: HttpRequest, figures: dict, known: tuple[str, ...]) -> dict:
    """The figures, with `ignored` naming the query's parameters the endpoint does not take (`?agncy=`), when
    there are any: such a parameter was not applied, and the figures are those of the wider scope."""
    return with_ignored(figures, ignored_query(request, known))


@router.get(
    "/breakdown",
    summary="Thống kê chia theo cơ quan / lĩnh vực / thủ tục / kênh / tháng / quý / năm",
    response={200: dict, 404: dict, 422: dict},
)
def breakdown(
    request: HttpRequest,
    date_from: str | None = Query(None, alias="from"),
    to: str | None = Query(None),
    by: str = Query("agency", description="agency | field | procedure | channel | month | quarter | year"),
    agency: str | None = Query(None),
    field: str | None = Query(None),
    procedure: str | None = Query(None),
):
    period = selectors.make_period(date_from, to)
    a, f, p = _scope(agency, field, procedure)
    return _with_ignored(
        request,
        selectors.breakdown(
            date_from=period.date_from, date_to=period.date_to, by=by, agency=a, field=f, procedure=p
        ),
        ("from", "to", "by", "agency", "field", "procedure"),
    )


@router.get(
    "/satisfaction",
    summary="Mức độ hài lòng (đánh giá của người nộp) và phản ánh, kiến nghị trong kỳ",
    response={200: dict, 404: dict, 422: dict},
)
def satisfaction(
    request: HttpRequest,
    date_from: str | None = Query(None, alias="from", description="Bắt buộc. YYYY-MM-DD — required"),
    to: str | None = Query(None, description="Bắt buộc. YYYY-MM-DD, tính cả ngày này — required, inclusive"),
    agency: str | None = Query(None, description="Mã định danh cơ quan (gồm cả các cơ quan cấp dưới)"),
    field: str | None = Query(None, description="Mã (hoặc tên) lĩnh vực: chỉ lọc đánh giá, không lọc PAKN"),
    procedure: str | None = Query(None, description="Mã thủ tục: chỉ lọc đánh giá, không lọc PAKN"),
):
    """Ratings given in the period (by level, by channel — the applicant's account, the receipt, the counter —
    and per criterion) and the PAKN handled in it, for an agency and its sub-agencies. With `field` or `procedure`
    the ratings are those of the dossiers of that field or procedure (as the statistics page shows them); the PAKN
    stay the agency's and the period's (a PAKN need not concern a dossier), and `pakn_scope` says so."""
    from motcua.feedback import selectors as feedback

    period = selectors.make_period(date_from, to)
    a, f, p = _scope(agency, field, procedure)
    scope = {"date_from": period.date_from, "date_to": period.date_to, "agency": a}
    figures = {
        **feedback.satisfaction_stats(**scope, field=f, procedure=p),
        **({"field": f.code} if f else {}),
        **({"procedure": p.code} if p else {}),
        "pakn": feedback.pakn_stats(**scope),
    }
    if f or p:
        figures["pakn_scope"] = "agency and period; not filtered by field or procedure"
    return _with_ignored(request, figures, ("from", "to", "agency", "field", "procedure"))


@router.get(
    "/index766",
    summary="Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766/QĐ-TTg) — các chỉ số có dữ liệu",
    response={200: dict, 404: dict, 422: dict},
)
def index_766(
    request: HttpRequest,
    date_from: str | None = Query(None, alias="from"),
    to: str | None = Query(None),
    agency: str | None = Query(None),
    by: str | None = Query(None, description="month | quarter | year (mặc định: cả kỳ)"),
    children: bool = Query(False, description="Thêm một dòng cho mỗi cơ quan cấp dưới trực tiếp"),
):
    _only_scopes(request, "agency")
    period = selectors.make_period(date_from, to)
    a = selectors.agency_by_identifier(agency)
    return _with_ignored(
        request,
        index766.index_report(
            date_from=period.date_from, date_to=period.date_to, agency=a, by=by, children=children
        ),
        ("from", "to", "agency", "by", "children"),
    )


def _file_scope(agency, field, procedure) -> str:
    """The report's scope in its file name: the agency (or 'tat-ca'), then the field and the procedure when given —
    the reports of two fields of one period were saved under the same name, the second as '… (1).xlsx'."""
    parts = [agency.identifier if agency else "tat-ca"]
    parts += [x for x in (field and field.code, procedure and procedure.code) if x]
    return "_".join(parts)


@router.get(
    "/export.xlsx",
    summary="Xuất Excel: tình hình giải quyết TTHC theo lĩnh vực",
    response={200: None, 404: dict, 422: dict},
)
def export_xlsx(
    request: HttpRequest,
    date_from: str | None = Query(None, alias="from"),
    to: str | None = Query(None),
    agency: str | None = Query(None),
    field: str | None = Query(None),
    procedure: str | None = Query(None),
):
    _file_takes(request, "from", "to", *SCOPE_PARAMS)
    period = selectors.make_period(date_from, to)
    a, f, p = _scope(agency, field, procedure)
    content = exports.xlsx_by_field(
        date_from=period.date_from, date_to=period.date_to, agency=a, field=f, procedure=p
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"thong-ke-tthc_{_file_scope(a, f, p)}_{period.date_from}_{period.date_to}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get(
    "/export.pdf",
    summary="Xuất PDF: báo cáo tình hình, kết quả giải quyết TTHC theo lĩnh vực (cùng số liệu với export.xlsx)",
    response={200: None, 404: dict, 422: dict},
)
def export_pdf(
    request: HttpRequest,
    date_from: str | None = Query(None, alias="from"),
    to: str | None = Query(None),
    agency: str | None = Query(None),
    field: str | None = Query(None),
    procedure: str | None = Query(None),
):
    _file_takes(request, "from", "to", *SCOPE_PARAMS)
    period = selectors.make_period(date_from, to)
    a, f, p = _scope(agency, field, procedure)
    query = {"from": period.date_from.isoformat(), "to": period.date_to.isoformat()}
    for key, value in (("agency", a and a.identifier), ("field", f and f.code), ("procedure", p and p.code)):
        if value:
            query[key] = value
    verify_url = request.build_absolute_uri("/api/v1/stats/on-time?" + urlencode(query))
    content = report_pdf.report_pdf(
        date_from=period.date_from,
        date_to=period.date_to,
        agency=a,
        field=f,
        procedure=p,
        verify_url=verify_url,
    )
    response = HttpResponse(content, content_type="application/pdf")
    name = f"bao-cao-tthc_{_file_scope(a, f, p)}_{period.date_from}_{period.date_to}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@router.get(
    "/open-data.csv",
    summary="Dữ liệu mở (CSV): số liệu tổng hợp theo cơ quan và lĩnh vực, không có dữ liệu cá nhân",
    response={200: None, 404: dict, 422: dict},
)
def open_data_csv(
    request: HttpRequest,
    date_from: str | None = Query(None, alias="from"),
    to: str | None = Query(None),
    agency: str | None = Query(None),
    field: str | None = Query(None, description="Mã (hoặc tên) lĩnh vực: chỉ các dòng của lĩnh vực này"),
):
    _file_takes(request, "from", "to", *SCOPE_PARAMS)
    _only_scopes(request, "agency", "field")
    period, a, f = _open_data_scope(date_from, to, agency, field)
    content = exports.open_data_csv(date_from=period.date_from, date_to=period.date_to, agency=a, field=f)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    scope = "_".join(x for x in (a.identifier if a else "tat-ca", f.code if f else "") if x)
    response["Content-Disposition"] = (
        f'attachment; filename="open-data_{scope}_{period.date_from}_{period.date_to}.csv"'
    )
    return response


@router.get(
    "/open-data.json",
    summary="Dữ liệu mở (JSON): số liệu tổng hợp theo cơ quan và lĩnh vực, không có dữ liệu cá nhân",
    response={200: dict, 404: dict, 422: dict},
)
def open_data_json(
    request: HttpRequest,
    date_from: str | None = Query(None, alias="from"),
    to: str | None = Query(None),
    agency: str | None = Query(None),
    field: str | None = Query(None, description="Mã (hoặc tên) lĩnh vực: chỉ các dòng của lĩnh vực này"),
):
    _only_scopes(request, "agency", "field")
    period, a, f = _open_data_scope(date_from, to, agency, field)
    return exports.open_data(date_from=period.date_from, date_to=period.date_to, agency=a, field=f)


def _open_data_scope(date_from, to, agency, field):
    """Open data defaults to the current year to date when no period is given."""
    import datetime as dt

    from django.utils import timezone

    if not date_from and not to:
        today = timezone.localdate()
        date_from, to = dt.date(today.year, 1, 1), today
    period = selectors.make_period(date_from, to)
    return period, selectors.agency_by_identifier(agency), selectors.field_by_code(field)
