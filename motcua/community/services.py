"""Writes for the digital community teams: outreach logs, filing online on a resident's behalf (with recorded
consent), and the resident taking the dossier over. Keyword-only, one transaction each; bad input raises a
DomainError and changes nothing."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.core import errors
from motcua.core.errors import Conflict, NotFound, PermissionDenied, Unprocessable
from motcua.core.text import check_text, code_forms, identifier_form, nfc, nfc_lines
from motcua.dossiers.models import Dossier
from motcua.dossiers.services import dossier_file, live_instant
from motcua.dossiers.validators import IdentifierError, clean_personal_id
from motcua.org import throttle
from motcua.org.models import Agency

from .models import (
    AssistedFiling,
    ClaimRecord,
    ConsentMethod,
    Member,
    OutreachLog,
    ResidentialGroup,
    Team,
    Topic,
)

CLAIM_MAX_FAILURES = 5
CLAIM_LOCKOUT_SECONDS = 15 * 60
CONSENT_MAX_AGE = dt.timedelta(days=30)


Throttled = errors.Throttled  # 429 with Retry-After (the claim lockouts)


def active_memberships(user):
    if not getattr(user, "is_authenticated", False):
        return Member.objects.none()
    return Member.objects.select_related("team", "team__ward").filter(
        user=user, active=True, team__active=True
    )


def _membership(user, team_id: int | None) -> Member:
    members = active_memberships(user)
    if team_id is not None:
        members = members.filter(team_id=team_id)
    member = members.order_by("team_id").first()
    if member is None:
        raise PermissionDenied(
            "Chỉ thành viên đang hoạt động của tổ công nghệ số cộng đồng mới nộp hồ sơ hộ người dân.",
            "Only active members of a community digital team may file on a resident's behalf.",
        )
    return member


# --- assisted filing ------------------------------------------------------------------------------------------


def receiving_agencies(procedure, wards=()) -> list[Agency]:
    """Where a team may file `procedure` online for a resident: the active agencies that list it and receive it
    online (catalog `Offering`) — the team's ward (`wards`) first when it is one of them."""
    agencies = list(
        Agency.objects.filter(active=True, offerings__procedure=procedure, offerings__online=True).order_by(
            "path"
        )
    )
    ward_ids = {getattr(w, "pk", w) for w in wards}
    return sorted(agencies, key=lambda a: a.pk not in ward_ids)


def _receiving_agency(procedure_code: str, identifier: str) -> Agency:
    """The agency named, if it receives the procedure online; else 422 (404 for an unknown procedure)."""
    procedure = Procedure.objects.filter(code=(procedure_code or "").strip()).first()
    if procedure is None:
        raise NotFound(f"Không có thủ tục mã '{procedure_code}'.", f"No procedure '{procedure_code}'.")
    identifier = identifier_form(identifier)
    agency = Agency.objects.filter(
        identifier=identifier, active=True, offerings__procedure=procedure, offerings__online=True
    ).first()
    if agency is None:
        known = Agency.objects.filter(identifier=identifier).first()
        name = known.name if known else identifier
        raise Unprocessable(
            f"{name} không tiếp nhận trực tuyến thủ tục {procedure.code}; chọn một cơ quan có niêm yết thủ tục "
            "này trong danh sách.",
            f"{known.identifier if known else identifier} does not receive procedure {procedure.code} online; "
            "choose an agency that lists it.",
            code="not_offered",
        )
    return agency


def assisted_file(
    *,
    member_user,
    procedure_code: str,
    resident: dict,
    consent_method: str,
    consent_at: dt.datetime | None,
    consent_note: str = "",
    agency_identifier: str | None = None,
    team_id: int | None = None,
    resident_user=None,
    form_data: dict | None = None,
    result_method: str = "electronic",
    file_hashes: list | None = None,
    at: dt.datetime | None = None,
    idempotency_key: str | None = None,
    refile_on_mismatch: bool = True,
) -> AssistedFiling:
    """A team member files a dossier online for a resident. The resident is the applicant (and its account owner
    if `resident_user` is given; otherwise nobody until the resident claims it); the member is `filed_by`. With
    `idempotency_key` (the form page's own), the same page sent twice at once — a double tap — files once: the
    second gets the first's filing, marked `replayed` (the page's files are then the first sending's). The page
    sent again with other data is another filing; with `refile_on_mismatch` False (the API, whose client chose the
    key), it is refused as `dossier_file` refuses it (422 idempotency_mismatch)."""
    # a live filing's instant to the whole second, as every live action's (dossiers.services.live_instant): with its
    # microseconds kept, a reception in the same second was refused as earlier than the filing
    at = at or live_instant()
    member = _membership(member_user, team_id)
    if consent_method not in ConsentMethod.values:
        raise Unprocessable(
            "Hãy ghi hình thức người dân đồng ý: ký trực tiếp, qua điện thoại hoặc qua VNeID.",
            "Record how the resident consented: signature, phone or VNeID.",
            code="consent_required",
        )
    if consent_at is None or consent_at > at + dt.timedelta(minutes=5) or consent_at < at - CONSENT_MAX_AGE:
        raise Unprocessable(
            "Thời điểm người dân đồng ý phải có, không ở tương lai và không quá 30 ngày trước khi nộp.",
            "The consent time is required, not in the future and at most 30 days before filing.",
            code="consent_time",
        )
    for key, vi, en in (
        ("name", "Họ và tên người dân", "The resident's name"),
        ("address", "Địa chỉ", "The address"),
    ):
        check_text(resident.get(key), vi, en)
    check_text(consent_note, "Ghi chú về sự đồng ý", "The note on the consent", lines=True)
    name = nfc(resident.get("name"))
    try:
        id_number = clean_personal_id(resident.get("id_number") or "", birth_year=resident.get("birth_year"))
    except IdentifierError as exc:
        raise Unprocessable(exc.message, exc.message_en, code="bad_id_number") from exc
    if not name:
        raise Unprocessable("Thiếu họ tên người dân.", "The resident's name is required.")
    if resident_user is not None and resident_user.pk == member.user_id:
        raise Unprocessable(
            "Tài khoản người dân không thể là tài khoản của chính thành viên tổ.",
            "The resident's account cannot be the member's own account.",
        )
    agency = _receiving_agency(
        procedure_code, (agency_identifier or "").strip() or member.team.ward.identifier
    )
    filing = dict(
        actor=member_user,
        procedure_code=procedure_code,
        agency_identifier=agency.identifier,
        channel="online",
        applicant={
            "kind": "individual",
            "name": name,
            "id_number": id_number,
            "phone": resident.get("phone") or "",
            "email": resident.get("email") or "",
            "address": resident.get("address") or "",
        },
        form_data=form_data,
        result_method=result_method,
        at=at,
        applicant_user=resident_user,
        file_hashes=file_hashes,
    )
    with transaction.atomic():
        try:
            dossier, created = dossier_file(**filing, idempotency_key=idempotency_key)
        except Unprocessable as exc:
            if exc.code != "idempotency_mismatch" or not refile_on_mismatch:
                raise
            # the page sent again with other data (back, corrected, sent): another filing
            dossier, created = dossier_file(**filing)
        if not created:
            earlier = AssistedFiling.objects.get(dossier=dossier)
            earlier.replayed = True
            return earlier
        if dossier.applicant_user_id != (resident_user.pk if resident_user else None):
            # dossier_file makes the online filer the account owner; here the filer is the helper, not the
            # applicant: the dossier belongs to the resident's account, or to none until the resident claims it.
            Dossier.objects.filter(pk=dossier.pk).update(applicant_user=resident_user)
            dossier.applicant_user = resident_user
        return AssistedFiling.objects.create(
            dossier=dossier,
            team=member.team,
            member=member,
            resident_name=name,
            resident_id_number=id_number,
            resident_user=resident_user,
            consent_method=consent_method,
            consent_at=consent_at,
            consent_note=nfc_lines(consent_note),
        )


# --- claim ----------------------------------------------------------------------------------------------------

_CLAIM_FAILED = (
    "Mã hồ sơ hoặc số định danh cá nhân không đúng (hoặc hồ sơ không do tổ công nghệ số nộp hộ).",
    "Wrong dossier code or personal ID number (or the dossier was not filed by a community team).",
)


def _claim_key(user) -> str:
    """The account's failed claims in the sign-in throttle's table (every worker process sees the same count; '#'
    is not allowed in usernames, so no sign-in shares the key). Counted per account: the IP is left blank."""
    return f"#nhan-ho-so:{user.pk}"


CLAIM_IP_KEY = "#nhan-ho-so"  # failed claims per client IP ('#': no username can take the key)


def claim_ip_limit() -> tuple[int, dt.timedelta]:
    """(failures, window) allowed per client IP: CLAIM_IP_MAX_FAILURES failed claims within
    CLAIM_IP_LOCKOUT_SECONDS (defaults 20 in 900 s) lock the address out of claiming for that long."""
    return throttle.configured_limit("CLAIM_IP_MAX_FAILURES", 20, "CLAIM_IP_LOCKOUT_SECONDS", 900)


def claim_dossier(
    *, user, code: str, id_number: str, ip: str = "", at: dt.datetime | None = None
) -> tuple[Dossier, bool]:
    """The resident takes over a dossier a team filed for them: the dossier code and their personal ID number
    (the dossier's applicant_id_number) must match. Sets Dossier.applicant_user with a queryset update — the
    dossier's event chain is left untouched — and keeps a ClaimRecord. Returns (dossier, claimed_now).
    Repeated failures lock the account out of claiming for 15 minutes, and the client's address (`ip`,
    org.throttle.client_ip) once it has made claim_ip_limit() failures, whichever accounts tried: one address
    trying many households' codes through many accounts is slowed too."""
    at = at or timezone.now()
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Hãy đăng nhập để nhận hồ sơ.", "Sign in to claim a dossier.")
    key = _claim_key(user)
    wait = throttle.seconds_locked(key, "", now=at)
    if wait:  # the time actually left, as for the address below (it said "15 minutes" whatever was left)
        minutes = throttle.wait_minutes(wait)
        raise errors.Throttled(
            f"Nhập sai quá nhiều lần; vui lòng thử lại sau {minutes} phút.",
            f"Too many failed attempts; try again in {minutes} minutes.",
            retry_after=wait,
        )
    ip_failures, ip_window = claim_ip_limit()
    wait = throttle.seconds_locked(CLAIM_IP_KEY, ip, now=at) if ip else 0
    if wait:
        minutes = throttle.wait_minutes(wait)
        raise errors.Throttled(
            f"Đã có quá nhiều lần nhập sai mã hồ sơ hoặc số định danh từ địa chỉ mạng này; vui lòng thử lại sau "
            f"{minutes} phút.",
            f"Too many wrong dossier codes or ID numbers from this network address; try again in {minutes} "
            f"minutes.",
            retry_after=wait,
        )
    # a code typed in lower case or with spaces, a number grouped with spaces, dots or dashes: the same code and
    # number, not a failed attempt counted toward the lockout
    forms = code_forms(code)
    digits = re.sub(r"[\s.\-]", "", id_number or "")
    dossier = Dossier.objects.filter(code__in=forms).first() if forms else None
    filing = (
        AssistedFiling.objects.select_related("member").filter(dossier=dossier).first() if dossier else None
    )
    if filing is None or not digits or digits != dossier.applicant_id_number:
        throttle.record_failure(
            key,
            "",
            now=at,
            max_attempts=CLAIM_MAX_FAILURES,
            window=dt.timedelta(seconds=CLAIM_LOCKOUT_SECONDS),
        )
        if ip:
            throttle.record_failure(CLAIM_IP_KEY, ip, now=at, max_attempts=ip_failures, window=ip_window)
        raise NotFound(*_CLAIM_FAILED, code="claim_mismatch")
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().select_related("agency", "procedure").get(pk=dossier.pk)
        if dossier.applicant_user_id == user.pk:
            return dossier, False
        set_id = _claim_identity(user, dossier.applicant_id_number)
        helpers = {filing.member.user_id, dossier.filed_by_id} - {None}
        previous = dossier.applicant_user_id
        if previous is not None and previous not in helpers:
            raise Conflict(
                "Hồ sơ này đã thuộc một tài khoản khác. Nếu đó không phải Ông/Bà, hãy liên hệ Bộ phận Một cửa.",
                "This dossier already belongs to another account; contact the one-stop office.",
                code="already_claimed",
            )
        changed = Dossier.objects.filter(pk=dossier.pk, applicant_user_id=previous).update(
            applicant_user=user
        )
        if changed != 1:  # pragma: no cover — the row is locked
            raise Conflict("Hồ sơ vừa thay đổi; vui lòng thử lại.", "The dossier just changed; retry.")
        AssistedFiling.objects.filter(pk=filing.pk).update(resident_user=user)
        ClaimRecord.objects.create(
            dossier=dossier, user=user, previous_user_id=previous, claimed_at=at, set_id_number=set_id
        )
        dossier.applicant_user = user
    throttle.reset(key, "")
    return dossier, True


def _claim_identity(user, id_number: str) -> bool:
    """A claim says "this dossier is mine": the account's personal ID must be the dossier's applicant's. An account
    whose profile holds another ID is refused (someone knowing a neighbour's code and ID number took the dossier
    into their own account, and the resident was then locked out); an account with no ID recorded takes this one
    (the claim is its holder's word that it is theirs), unless another account holds it — one personal ID, one
    account, as at registration."""
    from motcua.portal.models import CitizenProfile, id_number_taken

    profile = CitizenProfile.objects.select_for_update().filter(user=user).first()
    if profile is not None and profile.id_number:
        if profile.id_number != id_number:
            raise PermissionDenied(
                "Hồ sơ này được nộp cho người có số định danh khác với số định danh trong tài khoản của Ông/Bà: "
                "chỉ người có tên trên hồ sơ nhận hồ sơ về tài khoản của mình. Ông/Bà vẫn tra cứu được hồ sơ theo "
                "mã hồ sơ.",
                "This dossier was filed for a person whose ID number is not the one on your account: only the "
                "person named on it may take it into their account. You can still look it up by its code.",
                code="claim_other_person",
            )
        return False
    if id_number_taken(id_number, except_user=user):
        raise Conflict(
            "Số định danh của người nộp hồ sơ này đã gắn với một tài khoản khác. Nếu đó không phải Ông/Bà, hãy liên "
            "hệ Bộ phận Một cửa.",
            "The applicant's ID number belongs to another account; if that is not you, contact the one-stop office.",
            code="claim_id_taken",
        )
    if profile is None:
        CitizenProfile.objects.create(user=user, full_name=user.get_full_name(), id_number=id_number)
    else:
        CitizenProfile.objects.filter(pk=profile.pk).update(id_number=id_number)
    return True


def may_release_claim(user, dossier: Dossier) -> bool:
    """A one-stop officer, unit head or leader of the dossier's agency (or an administrator of the site)."""
    from motcua.org.models import Role
    from motcua.org.selectors import roles_of

    if getattr(user, "is_superuser", False):
        return True
    wanted = {Role.OFFICER, Role.UNIT_HEAD, Role.LEADER}
    return any(r.role in wanted and r.agency_id == dossier.agency_id for r in roles_of(user))


def release_claim(*, user, code: str, reason: str, at: dt.datetime | None = None) -> ClaimRecord:
    """Take a claimed dossier back out of the account that claimed it (a wrong claim: the resident says the account
    is not theirs): the dossier belongs to no account until its resident claims it again; the ID number the claim
    put on that account is taken off. The claim is kept, with who released it, when and why; the dossier's event
    chain is untouched, as for a claim."""
    from motcua.portal.models import CitizenProfile

    at = at or timezone.now()
    check_text(reason, "Lý do", "The reason", lines=True)
    reason = nfc_lines(reason or "")
    if not reason.strip():
        raise Unprocessable(
            "Hãy ghi lý do gỡ hồ sơ khỏi tài khoản.", "Give the reason.", code="reason_required"
        )
    if len(reason) > 1000:
        raise Unprocessable(
            "Lý do tối đa 1000 ký tự.", "The reason: at most 1000 characters.", code="too_long"
        )
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().filter(code=code).first()
        if dossier is None or not may_release_claim(user, dossier):
            raise PermissionDenied(
                "Chỉ cán bộ một cửa, lãnh đạo phòng hoặc lãnh đạo của cơ quan giải quyết hồ sơ mới gỡ được hồ sơ khỏi "
                "tài khoản đã nhận.",
                "Only the agency's one-stop officers, unit heads and leaders release a claimed dossier.",
            )
        claim = (
            ClaimRecord.objects.filter(dossier=dossier, released_at__isnull=True)
            .order_by("-claimed_at")
            .first()
        )
        if claim is None or dossier.applicant_user_id != claim.user_id:
            raise Conflict(
                "Hồ sơ không ở tài khoản của một người dân đã nhận hồ sơ: không có gì để gỡ.",
                "The dossier is not in the account of a resident who claimed it: nothing to release.",
                code="not_claimed",
            )
        Dossier.objects.filter(pk=dossier.pk).update(applicant_user=None)
        AssistedFiling.objects.filter(dossier=dossier).update(resident_user=None)
        if claim.set_id_number:
            CitizenProfile.objects.filter(
                user_id=claim.user_id, id_number=dossier.applicant_id_number
            ).update(id_number="")
        claim.released_at, claim.released_by, claim.release_reason = at, user, reason
        claim.save(update_fields=["released_at", "released_by", "release_reason"])
        return claim


# --- outreach -------------------------------------------------------------------------------------------------


def outreach_problems(
    *,
    team: Team,
    residential_group: ResidentialGroup | None,
    date: dt.date | None,
    households_visited: int | None,
    households_first_visit: int | None,
    households_newly_online: int | None,
    topics: list[str],
    other_topic: str = "",
    members: list[Member] = (),
    today: dt.date | None = None,
) -> dict[str, tuple[str, str]]:
    """What is wrong with an outreach round, by field: {field: (Vietnamese, English)}. The service refuses on
    any of them and the page shows each next to its field, so both apply the same rules."""
    today = today or timezone.localdate()
    problems: dict[str, tuple[str, str]] = {}
    if date is not None:
        if date > today:
            problems["date"] = (
                "Ngày hỗ trợ không được ở tương lai.",
                "The outreach date cannot be in the future.",
            )
        elif team.decision_date and date < team.decision_date:
            problems["date"] = (
                f"Ngày hỗ trợ không được trước ngày quyết định thành lập tổ ({team.decision_date:%d/%m/%Y}).",
                f"The outreach date cannot be before the team's establishing decision "
                f"({team.decision_date:%d/%m/%Y}).",
            )
    if residential_group is not None and residential_group.ward_id != team.ward_id:
        problems["residential_group"] = (
            "Tổ dân phố phải thuộc phường/xã của tổ.",
            "The residential group must be in the team's ward.",
        )
    elif (
        residential_group is not None
        and team.residential_group_id is not None
        and residential_group.pk != team.residential_group_id
    ):
        # a team established for one residential group works there: its visits elsewhere were credited, on the
        # ward's page, to that group's own team
        problems["residential_group"] = (
            f"Tổ được thành lập cho {team.residential_group.name}: chỉ ghi nhận hỗ trợ tại tổ dân phố này.",
            f"The team was established for {team.residential_group.name}: it records outreach there only.",
        )
    if any(m.team_id != team.pk for m in members):
        problems["members"] = ("Thành viên phải thuộc tổ.", "Members must belong to the team.")
    visited = households_visited or 0
    if households_first_visit is not None and households_first_visit > visited:
        problems["households_first_visit"] = (
            "Số hộ lần đầu được tiếp cận không thể lớn hơn số hộ đã đến.",
            "Households visited for the first time cannot exceed the households visited.",
        )
    group = residential_group if "residential_group" not in problems else None
    if group is not None and group.households and "households_first_visit" not in problems:
        # first visits beyond the group's households not yet reached: the ward's page capped the all-time figure
        # and showed the day's as given, so the two disagreed
        from .selectors import first_visits, reached

        first_so_far = first_visits(group)
        left = group.households - reached(group.households, first_so_far)
        if (households_first_visit or 0) > left:
            problems["households_first_visit"] = (
                f"{group.name} có {group.households} hộ, đã tiếp cận {group.households - left} hộ: chỉ còn {left} "
                "hộ chưa được tiếp cận lần đầu.",
                f"{group.name} has {group.households} households, {group.households - left} already reached: "
                f"{left} are left for a first visit.",
            )
    if households_newly_online is not None and households_newly_online > visited:
        problems["households_newly_online"] = (
            "Số hộ mới biết nộp hồ sơ trực tuyến không thể lớn hơn số hộ đã đến.",
            "Households newly able to file online cannot exceed the households visited.",
        )
    unknown = [t for t in topics if t not in Topic.values]
    if unknown:
        problems["topics"] = (
            "Nội dung không có trong danh mục: " + ", ".join(map(str, unknown)),
            "Not in the list of topics: " + ", ".join(map(str, unknown)),
        )
    elif Topic.OTHER in topics and not nfc(other_topic).strip():
        problems["other_topic"] = (
            "Đã chọn nội dung “Khác”: hãy ghi nội dung đó.",
            "“Other” is ticked: write what it was.",
        )
    return problems


def outreach_record(
    *,
    team: Team,
    residential_group: ResidentialGroup,
    date: dt.date,
    households_visited: int,
    households_first_visit: int,
    topics: list[str],
    other_topic: str = "",
    households_newly_online: int = 0,
    members: list[Member] | None = None,
    note: str = "",
    actor=None,
) -> OutreachLog:
    """Records one outreach round of `team` in `residential_group`. `households_first_visit`: of the households
    visited, those the team had never visited before — what the dashboards count as reached. With `actor`, only
    an active member of this (active) team may record it."""
    if actor is not None and not active_memberships(actor).filter(team_id=team.pk).exists():
        raise PermissionDenied(
            "Chỉ thành viên đang hoạt động của tổ mới ghi nhật ký của tổ.",
            "Only active members of the team may record its outreach.",
        )
    if not team.active:
        raise Unprocessable("Tổ không còn hoạt động.", "The team is no longer active.", code="team_inactive")
    check_text(other_topic, "Nội dung khác", "The other topic")
    check_text(note, "Ghi chú", "The note", lines=True)
    members = list(members or [])
    topics = list(dict.fromkeys(topics))
    problems = outreach_problems(
        team=team,
        residential_group=residential_group,
        date=date,
        households_visited=households_visited,
        households_first_visit=households_first_visit,
        households_newly_online=households_newly_online,
        topics=topics,
        other_topic=other_topic,
        members=members,
    )
    if problems:
        raise Unprocessable(
            " ".join(vi for vi, _en in problems.values()),
            " ".join(en for _vi, en in problems.values()),
            code="invalid_outreach",
            details={"fields": {k: vi for k, (vi, _en) in problems.items()}},
        )
    log = OutreachLog(
        team=team,
        residential_group=residential_group,
        date=date,
        households_visited=households_visited,
        households_first_visit=households_first_visit,
        topics=topics,
        other_topic=nfc(other_topic).strip(),
        households_newly_online=households_newly_online,
        note=nfc_lines(note),
    )
    try:
        log.full_clean()
    except ValidationError as exc:
        raise Unprocessable(
            "; ".join(m for msgs in exc.message_dict.values() for m in msgs), "Invalid outreach log."
        ) from exc
    with transaction.atomic():
        log.save()
        log.members.set(members)
    return log


TOPIC_LABELS = dict(Topic.choices)
