import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from motcua.org.demo import DEMO_PASSWORD, HBT_WARDS, load_organisation
from motcua.org.models import Agency, StaffRole, Unit

WARDS = [
    "Bạch Đằng",
    "Bách Khoa",
    "Bạch Mai",
    "Cầu Dền",
    "Đống Mác",
    "Đồng Nhân",
    "Đồng Tâm",
    "Lê Đại Hành",
    "Minh Khai",
    "Nguyễn Du",
    "Phạm Đình Hổ",
    "Phố Huế",
    "Quỳnh Lôi",
    "Quỳnh Mai",
    "Thanh Lương",
    "Thanh Nhàn",
    "Trương Định",
    "Vĩnh Tuy",
]


def _counts():
    return (
        Agency.objects.count(),
        Unit.objects.count(),
        get_user_model().objects.count(),
        StaffRole.objects.count(),
    )


def _run() -> str:
    """The whole `motcua demo` (with the other apps' demo loaders): used by the idempotence test only."""
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_is_idempotent_and_prints_accounts():
    first = _run()
    counts = _counts()
    assert counts[0] >= 21 and counts[2] >= 14
    from motcua.portal.models import CitizenProfile

    # the demo citizen has the profile of a verified account: the wizard's "for myself" is filled from it
    profile = CitizenProfile.objects.get(user__username="congdan")
    assert (profile.full_name, profile.id_number) == ("Nguyễn Văn An", "001090012345")
    second = _run()
    assert _counts() == counts
    assert CitizenProfile.objects.count() == 1
    assert "không tạo thêm" in second
    assert load_organisation().anything_created is False
    for out in (first, second):
        assert "Tài khoản demo (demo accounts):" in out
        assert "motcua.mc" in out and DEMO_PASSWORD in out
        # the community team member's account is in the table every time (it was printed once, when created)
        assert re.search(
            r"^tcns\.bachkhoa\s+" + re.escape(DEMO_PASSWORD) + r"\s+Thành viên tổ công nghệ số", out, re.M
        )
        assert "http://127.0.0.1:" in out


@pytest.mark.django_db
def test_demo_organisation():
    load_organisation()
    h26 = Agency.objects.get(identifier="H26")
    assert h26.name == "Thành phố Hà Nội" and h26.level == "province" and h26.place_name == "Hà Nội"
    dept = Agency.objects.get(identifier="000.00.21.H26")
    assert dept.name == "Sở Kế hoạch và Đầu tư" and dept.parent == h26
    assert set(dept.units.values_list("kind", flat=True)) >= {"one_stop", "specialist", "leadership"}
    district = Agency.objects.get(identifier="000.00.33.H26")
    assert district.level == "district" and district.parent == h26

    wards = list(Agency.objects.filter(parent=district).order_by("identifier"))
    assert [w.identifier for w in wards] == [f"000.{i:02d}.33.H26" for i in range(1, 19)]
    assert [w.name for w in wards] == [f"UBND Phường {n}" for n in WARDS]
    assert HBT_WARDS == WARDS
    for w in wards:
        assert w.level == "commune" and w.kind == "ward"
        assert w.units.filter(kind="one_stop").exists() and w.units.filter(kind="leadership").exists()
        assert w.path == f"/H26/000.00.33.H26/{w.identifier}/"


@pytest.mark.django_db
def test_demo_accounts_roles(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    load_organisation()
    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.password.startswith("pbkdf2_sha256$")
    assert admin.check_password(DEMO_PASSWORD)

    def role(username):
        return {
            (r.role, r.agency.identifier, r.unit.kind if r.unit else None)
            for r in StaffRole.objects.filter(user__username=username)
        }

    assert role("motcua.mc") == {("officer", "000.00.21.H26", "one_stop")}
    assert role("chuyenvien") == {("specialist", "000.00.21.H26", "specialist")}
    assert role("truongphong") == {("unit_head", "000.00.21.H26", "specialist")}
    assert ("leader", "000.00.21.H26", "leadership") in role("lanhdao")
    assert role("giamsat") == {("overseer", "H26", None)}
    assert ("overseer", "000.00.33.H26", None) in role("quan.giamsat")
    assert role("quan.mc") == {("officer", "000.00.33.H26", "one_stop")}
    assert ("officer", "000.02.33.H26", "one_stop") in role("phuong.bachkhoa.mc")
    # the ward process's specialist and review steps have someone to hold them at Bách Khoa
    assert role("phuong.bachkhoa.cv") == {("specialist", "000.02.33.H26", "specialist")}
    assert role("phuong.bachkhoa.tp") == {("unit_head", "000.02.33.H26", "specialist")}
    citizen = User.objects.get(username="congdan")
    assert citizen.get_full_name() == "Nguyễn Văn An"
    assert not citizen.staff_roles.exists() and not citizen.is_staff


@pytest.mark.django_db
def test_every_demo_ward_has_a_one_stop_officer():
    """Every ward offers the commune-level procedures: a dossier filed at any of them can be received."""
    load_organisation()
    wards = Agency.objects.filter(parent__identifier="000.00.33.H26")
    assert wards.count() == 18
    for ward in wards:
        officers = StaffRole.objects.filter(agency=ward, role="officer", unit__kind="one_stop", active=True)
        assert officers.exists(), ward.name
    assert StaffRole.objects.get(user__username="phuong.bachdang.mc").agency.name == "UBND Phường Bạch Đằng"


@pytest.mark.django_db
def test_demo_overseer_reads_whole_city(client):
    from motcua.org.selectors import readable_agencies

    load_organisation()
    giamsat = get_user_model().objects.get(username="giamsat")
    assert readable_agencies(giamsat).count() == Agency.objects.count()
    officer = get_user_model().objects.get(username="phuong.bachkhoa.mc")
    assert [a.identifier for a in readable_agencies(officer)] == ["000.02.33.H26"]


@pytest.mark.django_db
def test_demo_officer_can_log_in(client):
    load_organisation()
    r = client.post("/accounts/login/", {"username": "motcua.mc", "password": DEMO_PASSWORD})
    assert r.status_code == 302
