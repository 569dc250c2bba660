import datetime as dt

import pytest

from motcua.catalog.importers import import_procedures
from motcua.catalog.models import Field, Offering, Procedure
from motcua.catalog.selectors import query_words, search_procedures
from motcua.org.models import Agency

from .conftest import record

pytestmark = pytest.mark.django_db

NAMES = {
    "1.001612": ("Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh", "commune"),
    "1.001612.H26": (
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        "commune",
    ),
    "2.000575": ("Tạm ngừng hoạt động hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh", "commune"),
    "1.004122": ("Cấp giấy phép hành nghề khoan nước dưới đất", "Tài nguyên nước", "province"),
    "1.004253": ("Cấp lại giấy phép hành nghề khoan nước dưới đất", "Tài nguyên nước", "province"),
    "2.001738": (
        "Gia hạn, điều chỉnh giấy phép hành nghề khoan nước dưới đất",
        "Tài nguyên nước",
        "province",
    ),
    "1.000001": ("Đề nghị cấp lại giấy phép hành nghề khoan nước", "Tài nguyên nước", "province"),
    "1.010001": ("Đăng ký khai sinh", "Hộ tịch", "commune"),
}


@pytest.fixture
def catalogue():
    records = [
        record(code=code, name=name, field=field, level=level, level_vi=None)
        for code, (name, field, level) in NAMES.items()
    ]
    assert import_procedures(records, today=dt.date(2026, 1, 1)).ok


def codes(**kw):
    return [p.code for p in search_procedures(**kw)]


def test_query_words_fold_and_split():
    assert query_words("  Đăng ký, HỘ kinh-doanh. ") == ["dang", "ky", "ho", "kinh-doanh"]
    assert query_words("1.001612") == ["1.001612"]
    assert query_words("") == []


@pytest.mark.parametrize(
    "q",
    [
        "dang ky ho kinh doanh",
        "Đăng ký hộ kinh doanh",
        "ĐĂNG KÝ HỘ KINH DOANH",
        "đăng KÝ   hộ kinh doanh",
        "ho kinh doanh dang ky",
    ],
)
def test_words_match_in_any_order_ignoring_diacritics_and_case(catalogue, q):
    # All words present (not contiguous): "Đăng ký thành lập hộ kinh doanh" and "Đăng ký thay đổi … hộ kinh doanh".
    assert set(codes(q=q)) == {"1.001612", "1.001612.H26"}


def test_every_word_must_match(catalogue):
    assert codes(q="dang ky ho kinh doanh xe may") == []
    assert codes(q="khai sinh") == ["1.010001"]
    # All three names start with "Đăng ký": then alphabetical by folded name.
    assert codes(q="Dang ky") == ["1.010001", "1.001612", "1.001612.H26"]


def test_d_stroke_folds_to_d(catalogue):
    assert codes(q="dat") == codes(q="ĐẤT") == codes(q="đất")
    assert codes(q="dat") == [
        "1.004122",
        "1.004253",
        "2.001738",
    ]  # by folded name: "cap giay" < "cap lai" < "gia han"


def test_code_search_ranks_exact_code_first(catalogue):
    assert codes(q="1.001612") == ["1.001612", "1.001612.H26"]
    assert codes(q="1.001612.h26") == ["1.001612.H26"]
    assert codes(q="2.001738") == ["2.001738"]


def test_names_starting_with_the_query_rank_before_others(catalogue):
    result = codes(q="cap lai giay phep")
    assert result == [
        "1.004253",
        "1.000001",
    ]  # "Cấp lại…" starts with it; "Đề nghị cấp lại…" only contains it
    result = codes(q="giay phep hanh nghe")
    assert set(result) == {"1.004122", "1.004253", "2.001738", "1.000001"}


def test_like_wildcards_are_literal(catalogue):
    assert codes(q="%") == []
    assert codes(q="_") == []


def test_filters(catalogue):
    field = Field.objects.get(name="Tài nguyên nước")
    assert set(codes(q="giay phep", field=field)) == {"1.004122", "1.004253", "2.001738", "1.000001"}
    assert codes(q="dang ky", level="commune", field=Field.objects.get(name="Hộ tịch")) == ["1.010001"]
    assert codes(q="giay phep", level="commune") == []
    agency = Agency.objects.create(
        identifier="000.00.21.H26", name="Sở Kế hoạch và Đầu tư", level="department"
    )
    Offering.objects.create(agency=agency, procedure=Procedure.objects.get(code="1.004122"))
    assert codes(agency=agency) == ["1.004122"]
    assert codes(q="khoan", agency=agency) == ["1.004122"]


def test_inactive_procedures_are_hidden(catalogue):
    Procedure.objects.filter(code="1.010001").update(active=False)
    assert codes(q="khai sinh") == []
    assert [p.code for p in search_procedures(q="khai sinh", active_only=False)] == ["1.010001"]


def test_postgres_has_the_trigram_index():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cur:
        cur.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'catalog_procedure_name_ascii_trgm'")
        row = cur.fetchone()
    assert row and "gin_trgm_ops" in row[0]
