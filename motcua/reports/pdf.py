"""The TTHC statistics report by field as a PDF: the XLSX workbook's table (exports.XLSX_COLUMNS, same figures from
the same public selectors) laid out as an official report — national header, agency, period, the per-field table
with totals, the on-time rate and index 2.1, the place and date line, the signer block and a footnote saying when
the figures were computed.

It reuses the printable forms' HTML base (dossiers/forms/_base.html: header, fonts, page numbers) and their
WeasyPrint rendering (dossiers.pdf.html_to_pdf). The report is an official document: Vietnamese only, whatever
the interface language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation

from motcua.dossiers import pdf as forms_pdf
from motcua.org.selectors import has_subagencies

from . import exports, glossary, selectors

TITLE = "Báo cáo tình hình, kết quả giải quyết thủ tục hành chính"


@dataclass(frozen=True)
class ReportSpec:
    """What dossiers/forms/_base.html reads from `spec`."""

    title: str = TITLE
    number: str = ""  # not a numbered form of Circular 03/2025
    landscape: bool = True


def fmt_count(value: int) -> str:
    """1234567 -> '1.234.567' (Vietnamese thousands separator)."""
    return f"{value:,}".replace(",", ".")


def fmt_rate(value: float | None) -> str:
    """75.0 -> '75,00'; None (no denominator) -> '—', never 0."""
    if value is None:
        return "—"
    return f"{value:.2f}".replace(".", ",")


def _rate_text(value: float | None) -> str:
    """'75,00 %', or '—' alone when there is no rate."""
    return "—" if value is None else f"{fmt_rate(value)} %"


def _agency_line(agency) -> str:
    """The reporting unit; "gồm các cơ quan cấp dưới" only when it has sub-agencies (a ward has none)."""
    if agency is None:
        return "Toàn hệ thống"
    line = f"{agency.name} (mã định danh {agency.identifier})"
    if has_subagencies(agency):
        line += ", gồm các cơ quan cấp dưới"
    return line


def _cells(figures: dict) -> list[dict]:
    values = exports._xlsx_figures(figures)
    cells = []
    for _group, _label, key in exports.XLSX_COLUMNS:
        v = values[key]
        cells.append(
            {"key": key, "text": fmt_rate(v) if key in selectors.RATE_KEYS else fmt_count(v)},
        )
    return cells


def _header_groups() -> list[dict]:
    groups: list[dict] = []
    for group, _label, _key in exports.XLSX_COLUMNS:
        if groups and groups[-1]["label"] == group:
            groups[-1]["span"] += 1
        else:
            groups.append({"label": group, "span": 1})
    return groups


def report_context(
    *, date_from, date_to, agency=None, field=None, procedure=None, now=None, verify_url: str = ""
) -> dict:
    """The template context. The figures come from selectors.breakdown(by="field") — the rows and the total the
    /api/v1/stats/breakdown and export.xlsx serve — and the headline from selectors.on_time_stats, the figures of
    /api/v1/stats/on-time for the same scope."""
    data = exports.field_rows(
        date_from=date_from, date_to=date_to, agency=agency, field=field, procedure=procedure, now=now
    )
    stats = selectors.on_time_stats(
        date_from=date_from, date_to=date_to, agency=agency, field=field, procedure=procedure, now=now
    )
    generated = timezone.localtime(now or timezone.now(), selectors.LOCAL)
    as_of = dt.datetime.fromisoformat(data["as_of"])
    d1, d2 = dt.date.fromisoformat(data["from"]), dt.date.fromisoformat(data["to"])
    scope = []
    if field is not None:
        scope.append(f"Lĩnh vực: {field.name}")
    if procedure is not None:
        scope.append(f"Thủ tục: {procedure.code} — {procedure.name}")
    return {
        "spec": ReportSpec(),
        "agency": agency or {"name": "Toàn hệ thống"},
        "agency_line": _agency_line(agency),
        "parent_name": agency.parent.name if agency is not None and agency.parent_id else "",
        "national_name": forms_pdf.NATIONAL_NAME,
        "national_motto": forms_pdf.NATIONAL_MOTTO,
        "number": "......../BC",  # given by the document office when the report is signed
        "place_date": (
            forms_pdf.place_date(agency, generated.date())
            if agency is not None
            else f"......, {forms_pdf.date_words(generated.date())}"
        ),
        "qr": forms_pdf.qr_data_uri(verify_url) if verify_url else "",
        "verify_url": verify_url,
        "period_text": f"Từ ngày {d1:%d/%m/%Y} đến ngày {d2:%d/%m/%Y}",
        "scope_text": "; ".join(scope),
        "groups": _header_groups(),
        "labels": [label for _g, label, _k in exports.XLSX_COLUMNS],
        "rows": [
            {"n": i, "label": r["label"], "cells": _cells(r)} for i, r in enumerate(data["rows"], start=1)
        ],
        "total": _cells(data["total"]),
        "stats": stats,
        # the counts of the summary as the table writes them (thousands separated: 4.975, not 4975)
        "counts": {k: fmt_count(stats[k]) for k in (*selectors.COUNT_KEYS, "pending")},
        "received_total": fmt_count(stats["received"] + stats["carried_over"]),
        "on_time_rate": _rate_text(stats["on_time_rate"]),
        "index_2_1": _rate_text(stats["index_2_1"]),
        "as_of_text": exports.as_of_text(as_of),
        "not_started": exports.not_started(d1, now),
        "generated_text": f"{generated:%H:%M} ngày {generated:%d/%m/%Y}",
        "terms": glossary.vietnamese_terms(),  # what each figure counts, as the dashboards and export.xlsx say
    }


def report_html(**kwargs) -> str:
    with translation.override("vi"):  # an official report: Vietnamese whatever the interface language
        return render_to_string("reports/pdf_by_field.html", report_context(**kwargs))


def report_pdf(
    *, date_from, date_to, agency=None, field=None, procedure=None, now=None, verify_url=""
) -> bytes:
    html = report_html(
        date_from=date_from,
        date_to=date_to,
        agency=agency,
        field=field,
        procedure=procedure,
        now=now,
        verify_url=verify_url,
    )
    period = selectors.make_period(date_from, date_to)
    d1, d2 = period.date_from, period.date_to
    who = agency.name if agency is not None else "Toàn hệ thống"
    return forms_pdf.html_to_pdf(html, title=f"{TITLE} — {who} — {d1:%d/%m/%Y}–{d2:%d/%m/%Y}")
