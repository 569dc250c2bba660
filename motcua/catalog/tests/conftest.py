import copy
import json
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"


def record(**overrides) -> dict:
    """A valid procedure record in the reference shape."""
    base = {
        "code": "1.004122",
        "name": "Cấp giấy phép hành nghề khoan nước dưới đất",
        "field": "Tài nguyên nước",
        "level": "province",
        "level_vi": "Cấp tỉnh",
        "legal_days": 24,
        "registered_days": 22,
        "days_basis": "working days (ngày làm việc)",
        "time_text": "Trong thời hạn 22 ngày làm việc, kể từ ngày nhận đủ hồ sơ.",
        "fee_text": "Theo Nghị quyết của HĐND tỉnh.",
        "agency": "Sở Nông nghiệp và Môi trường tỉnh Cao Bằng",
        "deciding_agency": None,
        "online_level": "một phần",
        "legal_basis": "Nghị định số 136/2025/NĐ-CP",
        "notes": None,
        "source": {"document": "Quyết định 1949/QĐ-UBND (Cao Bằng, 18/11/2025)", "province": "Cao Bằng"},
    }
    base.update(overrides)
    return base


@pytest.fixture
def make_record():
    return record


@pytest.fixture(scope="session")
def reference_procedures() -> list[dict]:
    return json.loads((DATA / "reference_procedures.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def reference_processes() -> list[dict]:
    return json.loads((DATA / "reference_internal_processes.json").read_text(encoding="utf-8"))


@pytest.fixture
def ref_procs(reference_procedures):
    return copy.deepcopy(reference_procedures)


@pytest.fixture
def ref_processes(reference_processes):
    return copy.deepcopy(reference_processes)
