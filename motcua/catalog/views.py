"""Public catalogue pages: home (/), the catalogue with search and filters (/thu-tuc/), a procedure (/thu-tuc/<code>/)."""

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.text import identifier_form
from motcua.org.models import Agency
from motcua.org.selectors import is_overseer_only

from . import selectors
from .api import online_filing_url
from .models import Level

PAGE_SIZE = 20


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalog/home.html",
        {
            "fields": selectors.fields_with_counts(),
            "popular": selectors.with_current_versions(selectors.most_used(8)),
            "levels": Level.choices,
        },
    )


def procedure_list(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:200]
    notices = []
    level = selectors.parse_level(request.GET.get("level"))
    if request.GET.get("level") and not level:
        notices.append(
            _("Cấp thực hiện '%(value)s' không hợp lệ — bỏ qua bộ lọc này.")
            % {"value": request.GET["level"][:60]}
        )
    field = selectors.field_by_key(request.GET.get("field"))
    if request.GET.get("field") and field is None:
        notices.append(
            _("Không có lĩnh vực '%(value)s' — bỏ qua bộ lọc này.") % {"value": request.GET["field"][:60]}
        )
    agency = None
    if request.GET.get("agency"):
        agency = Agency.objects.filter(identifier=identifier_form(request.GET["agency"])).first()
        if agency is None:
            notices.append(
                _("Không có cơ quan mã '%(value)s' — bỏ qua bộ lọc này.")
                % {"value": request.GET["agency"][:60]}
            )
    qs = selectors.search_procedures(q=q, field=field, level=level, agency=agency)
    words = selectors.query_words(q)
    if len(words) > 1 and qs.exists() and not qs.filter(name_folded__contains=" ".join(words)).exists():
        # the words are all there, but nowhere together: say so rather than offer the matches as the answer
        notices.append(
            _(
                "Không có thủ tục có đúng cụm từ “%(q)s”; dưới đây là các thủ tục có đủ các từ đó ở các chỗ khác nhau."
            )
            % {"q": q}
        )
    paginator = Paginator(qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.with_current_versions(page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "catalog/procedure_list.html",
        {
            "q": q,
            "page": page,
            "count": paginator.count,
            "fields": selectors.fields_with_counts(),
            "agencies": selectors.offering_agency_choices(),
            "levels": Level.choices,
            "selected_field": field.code if field else "",
            "selected_level": level or "",
            "selected_agency": agency.identifier if agency else "",
            "querystring": params.urlencode(),
            "notices": notices,
        },
    )


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    proc = selectors.procedure_by_code(code)
    if proc is None:
        raise Http404("Không tìm thấy thủ tục hành chính.")
    when = timezone.localdate()
    raw_date = request.GET.get("ngay")
    if raw_date:
        try:
            when = dt.datetime.strptime(raw_date, "%d/%m/%Y").date()
        except ValueError:
            try:
                when = dt.date.fromisoformat(raw_date)
            except ValueError:
                when = timezone.localdate()
    version = selectors.version_detail(proc, when=when)
    if version is None:
        raise Http404("Thủ tục chưa có phiên bản được công bố.")
    offerings = selectors.offering_agencies(proc, version)
    default, own = selectors.published_processes(proc)
    processes = [
        {"template": t, "steps": steps, "step_sum": sum((s.hours for s in steps if s.hours is not None), 0)}
        for t in ([default] if default else []) + own
        for steps in [list(t.steps.all())]
    ]
    return render(
        request,
        "catalog/procedure_detail.html",
        {
            "proc": proc,
            "v": version,
            "components": list(version.components.all()),
            "offerings": offerings,
            "processes": processes,
            "versions": list(proc.versions.order_by("-effective_from")),
            "filing_url": online_filing_url(proc, version, offerings),
            "reads_only": is_overseer_only(request.user),  # an overseer's account files nothing (ADR 0003)
            "today": timezone.localdate(),
        },
    )
