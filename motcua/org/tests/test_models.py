import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from motcua.core.errors import Conflict, Unprocessable
from motcua.org import services
from motcua.org.models import Agency, validate_identifier


@pytest.mark.parametrize("value", ["000.00.21.H26", "H26", "G12.34", "A", "X" * 35, "1.2.3.4.5"])
def test_valid_identifiers(value):
    validate_identifier(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "000.00.21.h26",  # lower case
        "000.00 .21.H26",  # space
        " H26",
        "000..21.H26",  # empty group
        ".H26",
        "H26.",  # trailing dot
        "X" * 36,  # too long
        "000.00.21.H26.0000000000.11111111111",  # 36 characters
        "000-00-21-H26",
        "Đ26",
    ],
)
def test_invalid_identifiers(value):
    with pytest.raises(ValidationError):
        validate_identifier(value)


def test_service_rejects_bad_identifier_and_changes_nothing(db):
    with pytest.raises(Unprocessable) as exc:
        services.agency_create(identifier="000..21.H26", name="Sở X", level="department")
    assert "identifier" in exc.value.details
    assert "Quyết định 20/2020" in exc.value.message
    assert exc.value.status == 422
    assert not Agency.objects.exists()


def test_duplicate_identifier_is_a_conflict(tree):
    with pytest.raises(Conflict) as exc:
        services.agency_create(identifier="000.00.21.H26", name="Trùng", level="department", parent="H26")
    assert exc.value.status == 409
    assert Agency.objects.filter(identifier="000.00.21.H26").count() == 1


def test_unknown_parent_rejected(db):
    with pytest.raises(Unprocessable):
        services.agency_create(identifier="000.00.21.H99", name="Sở", level="department", parent="H99")
    assert not Agency.objects.exists()


def test_paths_and_subtree(tree):
    assert tree["province"].path == "/H26/"
    assert tree["w2"].path == "/H26/000.00.33.H26/000.02.33.H26/"
    assert tree["w2"].depth == 2
    assert set(tree["district"].subtree().values_list("identifier", flat=True)) == {
        "000.00.33.H26",
        "000.01.33.H26",
        "000.02.33.H26",
    }
    assert [a.identifier for a in tree["w1"].ancestors()] == ["H26", "000.00.33.H26"]


def test_moving_an_agency_moves_its_subtree(tree):
    # 2025 merger of provinces: the district and its wards move under the merged province.
    merged = services.agency_create(identifier="H29", name="Tỉnh Hợp Nhất", level="province")
    services.agency_update(agency=tree["district"], parent=merged)
    w1 = Agency.objects.get(identifier="000.01.33.H26")
    assert w1.path == "/H29/000.00.33.H26/000.01.33.H26/"
    merged_subtree = set(merged.subtree().values_list("identifier", flat=True))
    assert merged_subtree == {"H29", "000.00.33.H26", "000.01.33.H26", "000.02.33.H26"}
    # and back to the province: the other's subtree shrinks again
    services.agency_update(agency=tree["district"], parent="H26")
    assert set(merged.subtree().values_list("identifier", flat=True)) == {"H29"}
    assert Agency.objects.get(identifier="000.02.33.H26").path == "/H26/000.00.33.H26/000.02.33.H26/"


def test_commune_directly_under_province_two_tier(tree):
    services.agency_update(agency=tree["w2"], parent="H26")
    w2 = Agency.objects.get(identifier="000.02.33.H26")
    assert w2.parent.identifier == "H26"
    assert w2.path == "/H26/000.02.33.H26/"
    assert not tree["district"].subtree().filter(pk=w2.pk).exists()


def test_renaming_identifier_updates_descendant_paths(tree):
    services.agency_update(agency=tree["district"], identifier="000.00.34.H26")
    assert Agency.objects.get(identifier="000.01.33.H26").path == "/H26/000.00.34.H26/000.01.33.H26/"


@pytest.mark.parametrize("target", ["district", "w1"])
def test_cycles_rejected(tree, target):
    with pytest.raises(Unprocessable) as exc:
        services.agency_update(agency=tree["district"], parent=tree[target])
    assert "parent" in exc.value.details
    district = Agency.objects.get(identifier="000.00.33.H26")
    assert district.parent.identifier == "H26"
    assert district.path == "/H26/000.00.33.H26/"


def test_cycle_rejected_by_model_save_too(tree):
    district = Agency.objects.get(identifier="000.00.33.H26")
    district.parent = Agency.objects.get(identifier="000.02.33.H26")
    with pytest.raises(ValidationError):
        district.save()
    with pytest.raises(ValidationError):
        district.full_clean()


@pytest.mark.parametrize(
    "hours",
    [
        {"morning_start": dt.time(12, 0), "morning_end": dt.time(8, 0)},
        {"morning_end": dt.time(13, 30)},  # morning ends after the afternoon starts
        {"afternoon_start": dt.time(17, 0)},  # afternoon of zero length
        {"cutoff": dt.time(18, 0)},  # cut-off after closing
        {"cutoff": dt.time(7, 0)},  # cut-off before opening
        {"cutoff": dt.time(12, 30)},  # cut-off in the lunch break: lunch arrivals would count from after it
        {"morning_start": "8h"},  # not a time
    ],
)
def test_office_hours_validated(tree, hours):
    with pytest.raises(Unprocessable):
        services.agency_update(agency=tree["dept"], **hours)
    dept = Agency.objects.get(identifier="000.00.21.H26")
    assert (dept.morning_start, dept.morning_end, dept.afternoon_start, dept.afternoon_end, dept.cutoff) == (
        dt.time(8),
        dt.time(12),
        dt.time(13),
        dt.time(17),
        dt.time(15),
    )


def test_office_hours_accepted_and_stored(tree):
    services.agency_update(
        agency=tree["dept"],
        morning_start="07:30",
        morning_end="11:30",
        afternoon_start="13:30",
        afternoon_end="17:00",
        cutoff="16:00",
    )
    dept = Agency.objects.get(identifier="000.00.21.H26")
    assert dept.morning_start == dt.time(7, 30)
    assert dept.cutoff == dt.time(16, 0)


def test_name_is_nfc_and_folded(db):
    decomposed = "Sơ\u0309 Tư pha\u0301p"  # "Sở Tư pháp" with combining marks
    a = services.agency_create(identifier="000.00.20.H26", name=decomposed, level="department")
    assert a.name == "Sở Tư pháp"
    assert a.name_ascii == "so tu phap"


def test_staff_assign_role_validation_and_idempotence(tree, django_user_model):
    from motcua.org.models import StaffRole

    user = django_user_model.objects.create_user("cb", password="x")
    unit = services.unit_create(agency=tree["dept"], name="Bộ phận Một cửa", kind="one_stop")
    r1 = services.staff_assign_role(user=user, agency=tree["dept"], role="officer", unit=unit)
    r2 = services.staff_assign_role(user=user, agency=tree["dept"], role="officer", unit=unit)
    assert r1.pk == r2.pk
    services.staff_revoke_role(staff_role=r1)
    r3 = services.staff_assign_role(user=user, agency=tree["dept"], role="officer", unit=unit)
    assert r3.pk == r1.pk and r3.active
    with pytest.raises(Unprocessable):
        services.staff_assign_role(user=user, agency=tree["district"], role="officer", unit=unit)
    with pytest.raises(Unprocessable):
        services.staff_assign_role(user=user, agency=tree["dept"], role="boss")
    assert StaffRole.objects.count() == 1


@pytest.mark.parametrize(
    "hours",
    [
        {"cutoff": dt.time(12, 0)},  # at the morning closing: nothing received after noon counts that day
        {"cutoff": dt.time(13, 0)},  # at the afternoon opening
        {
            "morning_end": dt.time(12, 0),
            "afternoon_start": dt.time(12, 0),
        },  # no lunch break: a continuous day
    ],
)
def test_office_hours_that_can_be_right_are_kept(tree, hours):
    services.agency_update(agency=tree["dept"], **hours)
    dept = Agency.objects.get(identifier="000.00.21.H26")
    assert all(getattr(dept, k) == v for k, v in hours.items())


def test_deleting_a_unit_keeps_one_role_per_person(db):
    """A person holds the same role in a unit and without one; deleting the unit leaves one unit-less role (it
    was an IntegrityError, a 500 in the admin) and the others of that unit lose their unit as before."""
    from django.contrib.auth import get_user_model

    from motcua.org.models import Agency, Role, StaffRole, Unit

    agency = Agency.objects.create(
        identifier="000.00.21.H26", name="Sở Kế hoạch và Đầu tư", level="department"
    )
    unit = Unit.objects.create(agency=agency, name="Phòng Đăng ký kinh doanh", kind="specialist")
    User = get_user_model()
    both, only = User.objects.create_user("cv1"), User.objects.create_user("cv2")
    StaffRole.objects.create(user=both, agency=agency, role=Role.SPECIALIST, unit=unit)
    StaffRole.objects.create(user=both, agency=agency, role=Role.SPECIALIST)
    StaffRole.objects.create(user=only, agency=agency, role=Role.SPECIALIST, unit=unit)
    unit.delete()
    assert StaffRole.objects.filter(user=both).count() == 1
    assert StaffRole.objects.get(user=only).unit is None
