import datetime as dt

import pytest
from django.utils import timezone

from motcua.community import services
from motcua.community.models import AssistedFiling, ClaimRecord
from motcua.community.selectors import assistance_for
from motcua.core.errors import Conflict, NotFound, PermissionDenied, Unprocessable
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import verify_chain

from .conftest import RESIDENT_ID, resident


def file_for(world, user_key="member", **kw):
    params = dict(
        member_user=world["users"][user_key],
        procedure_code="1.001193",
        resident=resident(),
        consent_method="signature",
        consent_at=timezone.now(),
        consent_note="Ông Bảo ký vào phiếu đồng ý",
    )
    params.update(kw)
    return services.assisted_file(**params)


def test_member_files_for_resident(world):
    f = file_for(world)
    d = f.dossier
    d.refresh_from_db()
    assert d.channel == "online" and d.state == "submitted"
    assert d.agency == world["ward_a"]  # the team's ward by default
    assert (d.applicant_name, d.applicant_id_number) == ("Trần Văn Bảo", RESIDENT_ID)
    assert d.filed_by == world["users"]["member"]
    assert d.applicant_user is None  # nobody's account until the resident claims it
    assert (f.team, f.member, f.consent_method) == (world["teams"][0], world["m1"], "signature")
    events = list(d.events.all())
    assert [e.action for e in events] == ["submit"] and events[0].actor == world["users"]["member"]
    assert verify_chain(d) == []
    note = assistance_for(d)
    assert note["team"] == "Tổ CNSCĐ TDP số 1" and note["member"] == "Phạm Thị Hoa"
    assert note["member_role"] == "Tổ trưởng" and note["consent_method"] == "Ký xác nhận trực tiếp"


def test_resident_account_given_at_filing(world):
    f = file_for(world, resident_user=world["users"]["resident"])
    assert Dossier.objects.get(pk=f.dossier_id).applicant_user == world["users"]["resident"]


def test_assistance_for_a_plain_dossier_is_none(world):
    assert assistance_for(Dossier(pk=999_999)) is None


@pytest.mark.parametrize(
    "kw,error",
    [
        ({"user_key": "resident"}, PermissionDenied),
        ({"user_key": "officer"}, PermissionDenied),
        ({"consent_method": ""}, Unprocessable),
        ({"consent_method": "email"}, Unprocessable),
        ({"consent_at": None}, Unprocessable),
        ({"consent_at": timezone.now() + timezone.timedelta(days=1)}, Unprocessable),
        ({"consent_at": timezone.now() - timezone.timedelta(days=45)}, Unprocessable),
        ({"resident": resident(id_number="12345")}, Unprocessable),
        ({"resident": resident(id_number="999085012345")}, Unprocessable),
        ({"resident": resident(name=" ")}, Unprocessable),
        ({"procedure_code": "9.999999"}, NotFound),
        ({"team_id": 999_999}, PermissionDenied),
    ],
)
def test_bad_assisted_filing_changes_nothing(world, kw, error):
    with pytest.raises(error):
        file_for(world, **kw)
    assert not Dossier.objects.exists() and not AssistedFiling.objects.exists()


def test_inactive_member_cannot_file(world):
    world["m1"].active = False
    world["m1"].save()
    with pytest.raises(PermissionDenied):
        file_for(world)


def _snapshot(d):
    d = Dossier.objects.get(pk=d.pk)
    return (d.applicant_user_id, d.version, d.last_event_hash, d.events.count(), d.updated_at, d.state)


def test_claim_with_wrong_id_changes_nothing(world):
    f = file_for(world)
    before = _snapshot(f.dossier)
    resident_user = world["users"]["resident"]
    for wrong in ("001085012346", "", "abc", " 0010850123"):
        with pytest.raises(NotFound) as exc:
            services.claim_dossier(user=resident_user, code=f.dossier.code, id_number=wrong)
        assert exc.value.code == "claim_mismatch"
    with pytest.raises(NotFound):
        services.claim_dossier(user=resident_user, code="000.02.33.H26-000000-0000", id_number=RESIDENT_ID)
    assert _snapshot(f.dossier) == before
    assert not ClaimRecord.objects.exists()
    assert AssistedFiling.objects.get().resident_user is None


def test_claim_sets_the_owner_and_keeps_the_event_chain(world):
    f = file_for(world)
    before = _snapshot(f.dossier)
    resident_user = world["users"]["resident"]
    dossier, created = services.claim_dossier(
        user=resident_user, code=f.dossier.code, id_number="0010 8501 2345"
    )
    assert created and dossier.applicant_user == resident_user
    after = _snapshot(f.dossier)
    assert after[0] == resident_user.pk
    assert after[1:4] == before[1:4]  # version, hash, events: untouched
    assert verify_chain(Dossier.objects.get(pk=f.dossier_id)) == []
    rec = ClaimRecord.objects.get()
    assert (rec.user, rec.previous_user, rec.dossier_id) == (resident_user, None, f.dossier_id)
    assert AssistedFiling.objects.get().resident_user == resident_user
    # idempotent for the owner; refused for anyone else, even with the right number
    assert services.claim_dossier(user=resident_user, code=f.dossier.code, id_number=RESIDENT_ID)[1] is False
    with pytest.raises(Conflict):
        services.claim_dossier(user=world["users"]["other"], code=f.dossier.code, id_number=RESIDENT_ID)
    assert Dossier.objects.get(pk=f.dossier_id).applicant_user == resident_user
    assert ClaimRecord.objects.count() == 1


def test_a_claim_takes_the_dossier_only_into_its_applicants_account(world, django_user_model):
    """Anyone with a dossier's code and the resident's ID number took it into their own account — one registered
    with their own, different ID included — and the resident was then locked out of it. An account whose profile
    holds another ID is refused (nothing changes); an account with none takes the applicant's ID with the dossier,
    so its holder has said who they are, and a second account cannot claim under the same ID."""
    from motcua.portal.models import CitizenProfile

    f = file_for(world)
    before = _snapshot(f.dossier)
    neighbour = django_user_model.objects.create_user("hung", password="x-123456-long")
    CitizenProfile.objects.create(user=neighbour, full_name="Đỗ Văn Hùng", id_number="001095000444")
    with pytest.raises(PermissionDenied) as refused:
        services.claim_dossier(user=neighbour, code=f.dossier.code, id_number=RESIDENT_ID)
    assert refused.value.code == "claim_other_person"
    assert _snapshot(f.dossier) == before and not ClaimRecord.objects.exists()
    assert CitizenProfile.objects.get(user=neighbour).id_number == "001095000444"
    # an account without an ID: the claim records the applicant's ID on it
    resident_user = world["users"]["resident"]
    CitizenProfile.objects.filter(user=resident_user).update(id_number="")
    services.claim_dossier(user=resident_user, code=f.dossier.code, id_number=RESIDENT_ID)
    assert CitizenProfile.objects.get(user=resident_user).id_number == RESIDENT_ID
    # another dossier of the same person, claimed by yet another account without an ID: that ID has its account
    g = file_for(world)
    blank = django_user_model.objects.create_user("binh", password="x-123456-long")
    with pytest.raises(Conflict) as taken:
        services.claim_dossier(user=blank, code=g.dossier.code, id_number=RESIDENT_ID)
    assert taken.value.code == "claim_id_taken"
    assert Dossier.objects.get(pk=g.dossier_id).applicant_user is None


def test_only_assisted_dossiers_can_be_claimed(world):
    from motcua.dossiers.services import dossier_file

    d, _ = dossier_file(
        actor=world["users"]["other"],
        procedure_code="1.001193",
        agency_identifier=world["ward_a"].identifier,
        channel="online",
        applicant=resident(),
    )
    with pytest.raises(NotFound):
        services.claim_dossier(user=world["users"]["resident"], code=d.code, id_number=RESIDENT_ID)
    assert Dossier.objects.get(pk=d.pk).applicant_user == world["users"]["other"]


def test_claim_is_throttled_after_repeated_failures(world):
    f = file_for(world)
    resident_user = world["users"]["resident"]
    for _ in range(services.CLAIM_MAX_FAILURES):
        with pytest.raises(NotFound):
            services.claim_dossier(user=resident_user, code=f.dossier.code, id_number="001085099999")
    with pytest.raises(services.Throttled) as exc:
        services.claim_dossier(user=resident_user, code=f.dossier.code, id_number=RESIDENT_ID)
    assert exc.value.status == 429
    assert Dossier.objects.get(pk=f.dossier_id).applicant_user is None
    # it says the time actually left (it said "15 phút" whatever was left) and sends it as Retry-After
    later = timezone.now() + dt.timedelta(seconds=services.CLAIM_LOCKOUT_SECONDS - 150)
    with pytest.raises(services.Throttled) as exc:
        services.claim_dossier(user=resident_user, code=f.dossier.code, id_number=RESIDENT_ID, at=later)
    assert 120 <= exc.value.retry_after <= 150 and "thử lại sau 3 phút" in exc.value.message
    # another account is not locked out
    other = world["users"]["other"]
    assert services.claim_dossier(user=other, code=f.dossier.code, id_number=RESIDENT_ID)[1] is True


def test_the_claim_lockout_holds_in_every_worker_process(world):
    """The lockout is what stops guessing a resident's ID number to take over their dossier: it must hold in every
    worker process of the server and over a restart, so it is kept in the database (as the sign-in throttle), not
    in one process's memory (cleared here as another process or a restart would see it)."""
    from django.core.cache import cache

    f = file_for(world)
    resident_user = world["users"]["resident"]
    for _ in range(services.CLAIM_MAX_FAILURES):
        with pytest.raises(NotFound):
            services.claim_dossier(user=resident_user, code=f.dossier.code, id_number="001085099999")
    cache.clear()
    with pytest.raises(services.Throttled) as exc:
        services.claim_dossier(user=resident_user, code=f.dossier.code, id_number=RESIDENT_ID)
    assert exc.value.status == 429
    assert Dossier.objects.get(pk=f.dossier_id).applicant_user is None


def test_files_only_where_the_procedure_is_received_online(world, province_procedure):
    """The province-level procedure is not filed at the ward (the default), nor at an agency that does not list it
    or lists it without online reception; it is filed at the department that receives it online."""
    dept = province_procedure["dept"]
    cases = [
        {"procedure_code": "1.009403"},  # the team's ward by default
        {"procedure_code": "1.009403", "agency_identifier": world["ward_a"].identifier},
        {"procedure_code": "1.009403", "agency_identifier": "Sở bất kỳ"},
        {"procedure_code": "1.001193", "agency_identifier": dept.identifier},
        {"procedure_code": "1.001193", "agency_identifier": world["district"].identifier},  # not online
    ]
    for kw in cases:
        with pytest.raises(Unprocessable) as exc:
            file_for(world, **kw)
        assert exc.value.code == "not_offered", kw
        assert "không tiếp nhận trực tuyến thủ tục" in exc.value.message
    assert not Dossier.objects.exists() and not AssistedFiling.objects.exists()
    f = file_for(world, procedure_code="1.009403", agency_identifier=dept.identifier)
    assert f.dossier.agency == dept and f.dossier.code.startswith("000.00.21.H26-")
    assert [a.identifier for a in services.receiving_agencies(world["procedure"], [world["ward_a"]])] == [
        world["ward_a"].identifier
    ]


def test_a_claim_takes_the_code_in_lower_case_and_the_number_grouped(world):
    """A code typed in lower case with spaces, a number with dots and spaces: the same dossier and number, not a
    failure counted toward the lockout."""
    from motcua.org.models import LoginThrottle

    f = file_for(world)
    resident_user = world["users"]["resident"]
    for _ in range(services.CLAIM_MAX_FAILURES - 1):
        with pytest.raises(NotFound):
            services.claim_dossier(user=resident_user, code=f.dossier.code, id_number="001085099999")
    typed = " " + f.dossier.code.lower().replace("-", " - ", 1) + " "
    assert typed.strip() != f.dossier.code
    dossier, claimed = services.claim_dossier(user=resident_user, code=typed, id_number="001.085 012-345")
    assert claimed and dossier.pk == f.dossier_id
    assert Dossier.objects.get(pk=f.dossier_id).applicant_user == resident_user
    assert not LoginThrottle.objects.exists()  # the failures are forgotten on success


def _api_get(client, user, path):
    from motcua.core.models import ApiToken

    return client.get(f"/api/v1/dossiers{path}", HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}")


def test_a_member_reads_their_filings_only_while_a_member(client, world):
    """Filing for a resident lets the member follow the dossier while they serve in the team; a member who left
    (membership deactivated) no longer reads the resident's personal data and files."""
    from motcua.core import refcache
    from motcua.dossiers.services import may_read

    d = file_for(world).dossier
    member = world["users"]["member"]
    assert _api_get(client, member, f"/{d.code}").status_code == 200
    assert _api_get(client, member, "").json()["count"] == 1
    assert _api_get(client, world["users"]["member_b"], f"/{d.code}").status_code == 404
    world["m1"].active = False
    world["m1"].save()
    refcache.clear()
    assert _api_get(client, member, f"/{d.code}").status_code == 404
    assert _api_get(client, member, "").json()["count"] == 0
    assert not may_read(member, d)
    client.force_login(member)  # nor on the filing's own page (the resident's name, consent, claim)
    assert client.get(f"/to-cong-nghe-so/nop-ho/{d.code}/").status_code == 404


def test_an_officer_rotated_out_no_longer_reads_the_dossiers_they_registered(client, world):
    """Registering a dossier at the counter (filed_by) gives no lasting right: the officer reads it through a
    working role at the agency, and not once every role there is deactivated."""
    from motcua.core import refcache
    from motcua.dossiers.services import may_read
    from motcua.org.models import StaffRole

    d = file_for(world).dossier
    officer = world["users"]["officer"]
    Dossier.objects.filter(pk=d.pk).update(filed_by=officer)
    d.refresh_from_db()
    assert _api_get(client, officer, f"/{d.code}").status_code == 200
    StaffRole.objects.filter(user=officer).update(active=False)
    refcache.clear()
    officer.refresh_from_db()
    assert not may_read(officer, d)
    assert _api_get(client, officer, f"/{d.code}").status_code == 404
    assert _api_get(client, officer, "").json()["count"] == 0


def test_the_member_who_filed_reads_the_dossier_on_record_and_the_resident_sees_it(world, client):
    """A team member reads a household's dossier as its filer: each read is on the dossier's access record, in the
    member's capacity (ADR 0024); the resident, once the applicant, reads the record on the dossier's page."""
    from motcua.dossiers.models import DossierAccess

    d = file_for(world, resident_user=world["users"]["resident"]).dossier
    client.force_login(world["users"]["member"])
    assert client.get(f"/to-cong-nghe-so/nop-ho/{d.code}/").status_code == 200
    a = DossierAccess.objects.get(dossier=d)
    assert a.user == world["users"]["member"] and a.kind == "view" and a.channel == "web"
    assert a.capacity == "Thành viên tổ công nghệ số cộng đồng đã nộp hộ hồ sơ"
    assert client.get(f"/to-cong-nghe-so/nop-ho/{d.code}/").status_code == 200
    client.force_login(world["users"]["resident"])
    page = client.get(f"/ho-so-cua-toi/{d.code}/").content.decode()
    assert "Ai đã xem hồ sơ của bạn" in page and a.user_name in page
    assert DossierAccess.objects.filter(dossier=d).count() == 2  # the member's two reads; the resident's none


def test_the_agency_takes_a_wrongly_claimed_dossier_back_out_of_the_account(world, client, django_user_model):
    """The message of a refused claim says to contact the one-stop office, which had no way to act: the staff page
    says which account holds the dossier, and its officers and heads can take it back out (a reason required), the
    claim kept with who released it and why; the resident then claims it."""
    from motcua.portal.models import CitizenProfile

    f = file_for(world)
    wrong = django_user_model.objects.create_user("nham", password="x-123456-long", first_name="Đỗ Văn Hùng")
    services.claim_dossier(user=wrong, code=f.dossier.code, id_number=RESIDENT_ID)  # an account without an ID
    assert CitizenProfile.objects.get(user=wrong).id_number == RESIDENT_ID
    page_url = f"/staff/dossiers/{f.dossier.code}/"
    client.force_login(world["users"]["officer"])
    page = client.get(page_url).content.decode()
    assert "Người dân đã nhận hồ sơ về tài khoản Đỗ Văn Hùng (nham)" in page and "claim-release" in page
    release = f"/to-cong-nghe-so/nhan-ho-so/{f.dossier.code}/go/"
    r = client.post(release, {"reason": " "}, follow=True)
    assert "Hãy ghi lý do gỡ hồ sơ khỏi tài khoản." in r.content.decode()
    assert Dossier.objects.get(pk=f.dossier_id).applicant_user == wrong
    # someone else may not (the resident, the team member)
    client.force_login(world["users"]["member"])
    assert client.post(release, {"reason": "x"}).status_code == 403
    client.force_login(world["users"]["officer"])
    r = client.post(release, {"reason": "Bà Giang cho biết tài khoản này không phải của bà"})
    assert r.status_code == 302 and r["Location"] == page_url
    assert Dossier.objects.get(pk=f.dossier_id).applicant_user is None
    assert CitizenProfile.objects.get(user=wrong).id_number == ""  # the ID the claim put there is taken off
    claim = ClaimRecord.objects.get()
    assert (claim.released_by, claim.release_reason) == (
        world["users"]["officer"],
        "Bà Giang cho biết tài khoản này không phải của bà",
    )
    assert verify_chain(Dossier.objects.get(pk=f.dossier_id)) == []
    assert "claim-release" not in client.get(page_url).content.decode()
    # nothing to release any more; the resident claims it
    with pytest.raises(Conflict):
        services.release_claim(user=world["users"]["officer"], code=f.dossier.code, reason="again")
    services.claim_dossier(user=world["users"]["resident"], code=f.dossier.code, id_number=RESIDENT_ID)
    assert Dossier.objects.get(pk=f.dossier_id).applicant_user == world["users"]["resident"]


def test_the_same_filing_page_sent_twice_files_once(world):
    """Three taps on "Nộp hồ sơ" at once filed three dossiers for the same resident (the half-hour duplicate check
    reads what is committed, and the three were not yet). The page carries its own key: the same page files once,
    a later sending getting the first's filing; the page sent again with other data is another filing."""
    first = file_for(world, idempotency_key="assisted-page-1")
    again = file_for(world, idempotency_key="assisted-page-1")
    assert again.pk == first.pk and again.replayed is True
    assert Dossier.objects.count() == 1 and AssistedFiling.objects.count() == 1
    other = file_for(world, idempotency_key="assisted-page-1", resident=resident(name="Trần Thị Bình"))
    assert other.pk != first.pk and Dossier.objects.count() == 2


def test_a_live_assisted_filing_is_timed_to_the_whole_second_and_received_in_the_same_second(world):
    """The assisted filing kept its instant's microseconds, unlike every other live action: a reception in the same
    second (the officer at the counter beside the member) was refused as earlier than the filing."""
    from motcua.dossiers.services import dossier_act

    f = services.assisted_file(
        member_user=world["users"]["member"],
        procedure_code="1.001193",
        resident=resident(),
        consent_method="signature",
        consent_at=timezone.now(),
    )
    d = Dossier.objects.get(pk=f.dossier_id)
    assert d.submitted_at.microsecond == 0 and d.events.get().at.microsecond == 0
    received = dossier_act(code=d.code, action="receive", actor=world["users"]["officer"], at=d.submitted_at)
    assert received.state == "received"
