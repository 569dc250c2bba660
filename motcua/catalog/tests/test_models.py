import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from motcua.catalog.models import Field, Procedure, ProcedureVersion, fmt_days, validate_procedure_code


def _version(**kw):
    return ProcedureVersion(effective_from=dt.date(2025, 1, 1), **kw)


@pytest.mark.parametrize(
    ("legal", "registered", "expected"),
    [
        ("3", "2", "02 ngày (cắt giảm 01/03, 33,33%)"),
        ("24", "22", "22 ngày (cắt giảm 02/24, 8,33%)"),
        ("60", "48", "48 ngày (cắt giảm 12/60, 20,00%)"),
        ("3", "2.5", "2,5 ngày (cắt giảm 0,5/03, 16,67%)"),
        ("10", "10", "10 ngày (cắt giảm 00/10, 0,00%)"),
    ],
)
def test_registered_limit_text_as_decisions_publish_it(legal, registered, expected):
    v = _version(legal_days=Decimal(legal), registered_days=Decimal(registered))
    assert v.registered_limit_text() == expected


def test_registered_limit_text_names_working_days_when_the_limit_counts_them():
    """A citizen reads "22 ngày" as calendar days: the cut of a limit in working days says so, as the legal one does."""
    from django.utils import translation

    v = _version(
        legal_days=Decimal(24), registered_days=Decimal(22), days_basis="working days (ngày làm việc)"
    )
    assert v.registered_limit_text() == "22 ngày làm việc (cắt giảm 02/24, 8,33%)"
    with translation.override("en"):
        assert v.registered_limit_text() == "22 working days (cut by 02 of 24, 8.33%)"


def test_registered_limit_text_empty_without_a_cut_or_legal_limit():
    assert _version(legal_days=Decimal(3)).registered_limit_text() == ""
    assert _version(legal_days=None, registered_days=Decimal(2)).registered_limit_text() == ""
    assert _version(legal_days=Decimal(0), registered_days=Decimal(0)).registered_limit_text() == ""


def test_legal_limit_text_and_limit_hours():
    v = _version(legal_days=Decimal(3), days_basis="working days (ngày làm việc)")
    assert v.legal_limit_text() == "03 ngày làm việc"
    assert v.limit_hours() == Decimal(24)
    v = _version(legal_days=Decimal(0))
    assert v.legal_limit_text() == "Trong ngày"
    assert v.limit_hours() == Decimal(0)
    v = _version(legal_hours=Decimal(6))
    assert v.legal_limit_text() == "6 giờ làm việc"
    assert v.limit_hours() == Decimal(6)
    v = _version(legal_days=Decimal("10.5"), days_basis="unspecified (text says only 'ngày')")
    assert v.legal_limit_text() == "10,5 ngày"
    assert v.limit_hours() == Decimal(84)
    v = _version(legal_days=Decimal(24), registered_days=Decimal(22))
    assert v.applied_days == Decimal(22) and v.limit_hours() == Decimal(176)


def test_limit_texts_in_english_pages():
    """The catalogue's limit in words follows the interface language: an English page said "03 ngày làm việc" and
    "2,5 ngày (cắt giảm 0,5/03, 16,67%)" among English words."""
    from django.utils import translation

    with translation.override("en"):
        assert (
            _version(legal_days=Decimal(3), days_basis="ngày làm việc").legal_limit_text()
            == "03 working days"
        )
        assert _version(legal_days=Decimal("10.5")).legal_limit_text() == "10.5 days"
        assert _version(legal_days=Decimal(0)).legal_limit_text() == "Same day"
        assert _version(legal_hours=Decimal("1.5")).legal_limit_text() == "1.5 working hours"
        v = _version(legal_days=Decimal(3), registered_days=Decimal("2.5"))
        assert v.registered_limit_text() == "2.5 days (cut by 0.5 of 03, 16.67%)"
    with translation.override("vi"):
        assert _version(legal_hours=Decimal("1.5")).legal_limit_text() == "1,5 giờ làm việc"


def test_fmt_days():
    assert fmt_days(Decimal(2)) == "02"
    assert fmt_days(Decimal("0.5")) == "0,5"
    assert fmt_days(Decimal(120)) == "120"


@pytest.mark.parametrize("code", ["1.001612", "1.001612.H26", "1.001122.000.00.00.H48", "2.000908"])
def test_valid_codes(code):
    validate_procedure_code(code)


@pytest.mark.parametrize("code", ["", "1001612", "1.00161", "1.014.111", "1.001612.h26", "1.001612 H26"])
def test_invalid_codes(code):
    with pytest.raises(ValidationError):
        validate_procedure_code(code)


@pytest.mark.django_db
def test_version_at_and_version_for():
    f = Field.objects.create(code="x", name="Lĩnh vực X")
    p = Procedure.objects.create(code="1.000001", name="Thủ tục Đăng ký", field=f, level="province")
    assert p.name_ascii == "1.000001 thu tuc dang ky" and p.name_folded == "thu tuc dang ky"
    old = ProcedureVersion.objects.create(
        procedure=p, effective_from=dt.date(2021, 1, 4), name=p.name, field=f, level="district", legal_days=5
    )
    new = ProcedureVersion.objects.create(
        procedure=p, effective_from=dt.date(2025, 7, 1), name=p.name, field=f, level="commune", legal_days=3
    )
    assert p.version_at(dt.date(2020, 12, 31)) is None
    assert p.version_at(dt.date(2021, 1, 4)) == old
    assert p.version_at(dt.date(2025, 6, 30)) == old
    assert p.version_at(dt.date(2025, 7, 1)) == new
    assert p.version_for(dt.date(2020, 1, 1)) == old  # older than the catalogue: the first version
    assert p.version_for(dt.date(2030, 1, 1)) == new
