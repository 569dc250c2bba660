"""Reads of the procedure catalogue: search (diacritic- and case-insensitive on SQLite and PostgreSQL), detail."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from motcua.core.text import fold, nfc, sort_key
from motcua.org.models import Agency

from .models import (
    Field,
    Level,
    Offering,
    Procedure,
    ProcedureComponent,
    ProcedureVersion,
    ProcessStep,
    ProcessTemplate,
)

CODE_LIKE = re.compile(r"^\d\.\d{6}(\.[0-9A-Z]+)*$")
_SPLIT = re.compile(r"[\s,;:()\[\]{}\"'“”‘’!?]+")


def query_words(q: str | None) -> list[str]:
    """Folded search words: 'Đăng ký, hộ kinh doanh' -> ['dang', 'ky', 'ho', 'kinh', 'doanh']."""
    words = []
    for w in _SPLIT.split(fold(q)):
        w = w.strip(".-–/")
        if w:
            words.append(w)
    return words[:12]


def search_procedures(
    *,
    q: str | None = "",
    field: Field | None = None,
    level: str | None = None,
    agency: Agency | None = None,
    active_only: bool = True,
) -> QuerySet[Procedure]:
    """Procedures matching every word of `q` (folded) in their code or name, ranked: exact code, code prefix,
    name starting with the query, name holding the words together as typed, then the rest (by name): "khai sinh"
    found "…khai thác… sinh hoạt…" alone, unmarked, where a birth registration would come first."""
    qs = Procedure.objects.select_related("field")
    if active_only:
        qs = qs.filter(active=True)
    words = query_words(q)
    for w in words:
        # name_ascii and the words are both folded to lower-case ASCII, so a plain (case-sensitive) LIKE is the same
        # as icontains on SQLite and PostgreSQL — and on PostgreSQL it avoids UPPER() on every row and can use the
        # trigram index (migration 0003).
        qs = qs.filter(name_ascii__contains=w)
    if field is not None:
        qs = qs.filter(field=field)
    if level:
        qs = qs.filter(level=level)
    if agency is not None:
        qs = qs.filter(offerings__agency=agency)
    if words:
        raw = nfc(q).replace(" ", "").upper()
        phrase = " ".join(words)
        whens = [When(name_folded__startswith=phrase, then=Value(2))]
        if len(words) > 1:
            whens.append(When(name_folded__contains=phrase, then=Value(3)))
        if CODE_LIKE.match(raw):
            whens = [When(code=raw, then=Value(0)), When(code__startswith=raw + ".", then=Value(1)), *whens]
        qs = qs.annotate(rank=Case(*whens, default=Value(4), output_field=IntegerField())).order_by(
            "rank", "name_folded", "code"
        )
    else:
        qs = qs.order_by("name_folded", "code")
    return qs


def search_page(qs: QuerySet[Procedure], *, offset: int, limit: int) -> tuple[int, list[Procedure]]:
    """One page of a search and the total match count, with `.current` versions attached.

    A text search (ranked, usually selective) gets its count in the same query (COUNT(*) OVER ()); browsing without
    words counts separately and reads the page along the (name_folded, code) index instead of sorting everything."""
    if "rank" in qs.query.annotations:
        rows = list(qs.annotate(total_count=Window(Count("pk")))[offset : offset + limit])
        total = rows[0].total_count if rows else (qs.count() if offset else 0)
    else:
        total = qs.count()
        rows = list(qs[offset : offset + limit]) if offset < total else []
    return total, with_current_versions(rows)


def with_current_versions(procedures, *, when: dt.date | None = None) -> list[Procedure]:
    """Attach `.current` (the version in force on `when`, else the earliest) to each procedure with one query."""
    procedures = list(procedures)
    when = when or timezone.localdate()
    by_proc: dict[int, list[ProcedureVersion]] = {}
    versions = ProcedureVersion.objects.filter(procedure__in=[p.pk for p in procedures]).order_by(
        "procedure_id", "effective_from"
    )
    for v in versions.only(
        "id",
        "procedure_id",
        "effective_from",
        "legal_days",
        "legal_hours",
        "registered_days",
        "online_level",
        "days_basis",
        "implementing_agency",
        "time_text",
    ):
        by_proc.setdefault(v.procedure_id, []).append(v)
    for p in procedures:
        vs = by_proc.get(p.pk, [])
        in_force = [v for v in vs if v.effective_from <= when]
        p.current = in_force[-1] if in_force else (vs[0] if vs else None)
    return procedures


def procedure_by_code(code: str) -> Procedure | None:
    """The procedure `code`, tried as typed and then upper-cased (`1.000603.h21` is `1.000603.H21`, as agency
    identifiers and dossier codes are read)."""
    code = nfc(code).replace(" ", "")
    qs = Procedure.objects.select_related("field")
    found = qs.filter(code=code).first()
    if found is None and code != code.upper():
        found = qs.filter(code=code.upper()).first()
    return found


def version_detail(procedure: Procedure, *, when: dt.date | None = None) -> ProcedureVersion | None:
    version = procedure.version_for(when or timezone.localdate())
    if version is None:
        return None
    return (
        ProcedureVersion.objects.select_related("field", "procedure")
        .prefetch_related("components")
        .get(pk=version.pk)
    )


def published_processes(procedure: Procedure) -> tuple[ProcessTemplate | None, list[ProcessTemplate]]:
    """(the procedure's default internal process or None, the agencies' own processes in tree order): what the
    public procedure page and the API show, each agency's own under its name — one ward's process is not the
    procedure's (the other agencies listing it work by the default, or by none published)."""
    qs = ProcessTemplate.objects.filter(procedure=procedure).prefetch_related(
        Prefetch("steps", queryset=ProcessStep.objects.select_related("partner_agency"))
    )
    default = qs.filter(agency__isnull=True).first()
    own = list(
        qs.filter(agency__isnull=False, agency__active=True).select_related("agency").order_by("agency__path")
    )
    return default, own


def process_template_for(procedure: Procedure, agency: Agency | None = None) -> ProcessTemplate | None:
    """The agency's own template if it has one, else the default (agency null)."""
    qs = ProcessTemplate.objects.filter(procedure=procedure).prefetch_related(
        Prefetch("steps", queryset=ProcessStep.objects.select_related("partner_agency"))
    )
    if agency is not None:
        own = qs.filter(agency=agency).first()
        if own:
            return own
    return qs.filter(agency__isnull=True).first() or qs.first()


def offering_agencies(procedure: Procedure, version: ProcedureVersion | None = None) -> list[Offering]:
    """The active agencies listing the procedure; with `version`, each offering's `own_limit_text` is the limit the
    agency registered for itself when the version takes it ('' otherwise: the procedure's limit applies)."""
    offerings = list(
        Offering.objects.filter(procedure=procedure, agency__active=True)
        .select_related("agency")
        .order_by("agency__path")
    )
    for o in offerings:
        own = version is not None and o.registered_days is not None
        own = own and version.registered_for(o.registered_days) == o.registered_days
        o.own_limit_text = version.registered_limit_text(o.registered_days) if own else ""
    return offerings


def offered_at(procedure_code: str) -> dict:
    """{identifier: the agency's own registered limit in days, or None} of the agencies that list the procedure
    (catalog `Offering`), from the reference cache (Offering is watched: an edit anywhere is seen at the next
    request, ADR 0020): filing reads it with no statement on the live path."""
    from motcua.core import refcache

    return refcache.get(
        ("offered-at", procedure_code),
        lambda: dict(
            Offering.objects.filter(procedure__code=procedure_code).values_list(
                "agency__identifier", "registered_days"
            )
        ),
    )


def version_components(version_id: int | None) -> tuple[tuple[int, int, str, bool], ...]:
    """(id, order, name, required) of a procedure version's components in order, from the reference cache
    (ProcedureComponent is watched): reception reads them with no statement on the live path."""
    from motcua.core import refcache

    if version_id is None:
        return ()
    return refcache.get(
        ("components", version_id),
        lambda: tuple(
            ProcedureComponent.objects.filter(version_id=version_id)
            .order_by("order", "pk")
            .values_list("pk", "order", "name", "required")
        ),
    )


def agency_registered_days(procedure_code: str, identifier: str):
    """The limit in working days the agency registered for the procedure (`Offering.registered_days`), or None."""
    return offered_at(procedure_code).get(identifier)


def applied_limit_text(version, agency, procedure) -> str:
    """The limit a dossier gets at the agency, in words: its registered cut (the agency's own, else the version's)
    as decisions publish it, else the legal limit; '' without a version or a single limit."""
    if version is None or agency is None or procedure is None:
        return ""
    days = agency_registered_days(procedure.code, agency.identifier)
    return version.registered_limit_text(days) or version.legal_limit_text()


def fields_with_counts() -> list[Field]:
    """Fields with active procedures (`n`), in Vietnamese alphabetical order (a few dozen rows)."""
    fields = Field.objects.annotate(n=Count("procedures", filter=Q(procedures__active=True))).filter(n__gt=0)
    return sorted(fields, key=lambda f: sort_key(f.name))


def offering_agency_choices() -> QuerySet[Agency]:
    return Agency.objects.filter(offerings__isnull=False, active=True).distinct().order_by("path")


def most_used(limit: int = 8) -> list[Procedure]:
    """Procedures with the most dossiers (when the dossiers app records them), then the most widely offered."""
    qs = Procedure.objects.filter(active=True).select_related("field")
    qs = qs.annotate(n_offers=_count_of(Offering, "procedure"))
    order = ["-n_offers", "name_folded"]
    try:  # the dossiers relation belongs to another app: use it when present, never depend on it
        dossier_model = Procedure._meta.get_field("dossiers").related_model
        qs = qs.annotate(n_dossiers=_count_of(dossier_model, "procedure"))
        order.insert(0, "-n_dossiers")
    except FieldDoesNotExist:
        pass
    return list(qs.order_by(*order)[:limit])


def _count_of(model, fk: str):
    sub = (
        model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(c=Count("pk")).values("c")
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), Value(0))


def parse_level(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower()
    return value if value in Level.values else None


def field_by_key(key: str | None) -> Field | None:
    """A field by its code (slug) or its name (diacritics/case ignored)."""
    if not key:
        return None
    found = Field.objects.filter(code=key.strip()).first()
    if found:
        return found
    return Field.objects.filter(name_ascii=fold(key)).first()
