"""Portal writes: citizen accounts, filing drafts (saved as the citizen goes, files included), online submission,
supplements and fee payments. Each function is one transaction; state changes of dossiers go through
motcua.dossiers.services."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation

from motcua.catalog.models import Offering, Procedure
from motcua.core.errors import Conflict, DomainError, NotFound, Unprocessable
from motcua.core.storage import guarded, open_stored
from motcua.core.text import check_text
from motcua.dossiers import documents
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier, State
from motcua.org import throttle
from motcua.org.models import SYSTEM_ACCOUNT_PREFIX, Agency, Role, StaffRole

from . import wizard
from .models import CitizenProfile, Draft, DraftFile, Payment, PaymentStatus
from .payments import get_gateway

logger = logging.getLogger(__name__)


# --- accounts -----------------------------------------------------------------------------------------------


REGISTRATION_KEY = "#dang-ky"  # accounts created per client IP ('#': no username can take the key)


def registration_wait(ip: str) -> int:
    """Count one account about to be created from `ip` (REGISTRATION_RATE_LIMIT within
    REGISTRATION_RATE_WINDOW_SECONDS, default 20 in 3600 s): 0 when it may be created, else the seconds to wait.
    Only a filled-in, valid form is counted — a citizen correcting a typo is not — so a one-stop counter helping
    residents register from the office's one address stays under it, while one script cannot create accounts by the
    thousand (each may then file dossiers and PAKN, and sign-in spraying needs accounts to hide among)."""
    limit, window = throttle.configured_limit(
        "REGISTRATION_RATE_LIMIT", 20, "REGISTRATION_RATE_WINDOW_SECONDS", 3600
    )
    return throttle.check_rate(REGISTRATION_KEY, ip, limit=limit, window=window)


def citizen_register(
    *,
    full_name: str,
    email: str = "",
    phone: str = "",
    password: str,
    id_number: str = "",
    privacy_notice: str = "",
):
    """Create a citizen account (already validated by RegistrationForm). The username is the e-mail, else the
    phone number; both can be used to sign in. `privacy_notice`: the version of the privacy notice the applicant
    accepted (portal.privacy), recorded with the instant."""
    User = get_user_model()
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=(email or phone)[:150], email=email, password=password, first_name=full_name[:150]
            )
            CitizenProfile.objects.create(
                user=user,
                full_name=full_name,
                phone=phone,
                id_number=id_number,
                privacy_notice=privacy_notice,
                privacy_accepted_at=timezone.now() if privacy_notice else None,
            )
    except IntegrityError as exc:
        raise Conflict(
            "Thư điện tử hoặc số điện thoại vừa được đăng ký cho tài khoản khác.",
            "The e-mail or phone number was just registered by another account.",
        ) from exc
    return user


JUST_REGISTERED = dt.timedelta(seconds=60)


def just_registered(email: str, phone: str) -> bool:
    """Whether an account with this e-mail or phone was made within the last minute (a double click's first
    sending)."""
    since = timezone.now() - JUST_REGISTERED
    q = Q()
    if email:
        q |= Q(email__iexact=email)
    if phone:
        q |= Q(citizen_profile__phone=phone)
    return bool(q) and get_user_model().objects.filter(q, date_joined__gte=since).exists()


def profile_of(user) -> CitizenProfile:
    profile = CitizenProfile.objects.filter(user=user).first()
    if profile is None:
        profile = CitizenProfile.objects.create(user=user, full_name=user.get_full_name())
    return profile


def profile_update(*, user, full_name: str, phone: str, id_number: str, address: str) -> CitizenProfile:
    with transaction.atomic():
        profile = profile_of(user)
        profile.full_name, profile.phone, profile.id_number, profile.address = (
            full_name,
            phone,
            id_number,
            address,
        )
        try:
            with transaction.atomic():
                profile.save()
        except IntegrityError as exc:
            raise Conflict(
                "Số điện thoại này đã được dùng cho một tài khoản khác.",
                "This phone number belongs to another account.",
            ) from exc
        user.first_name = full_name[:150]
        user.save(update_fields=["first_name"])
    return profile


# --- drafts ---------------------------------------------------------------------------------------------------


def online_agencies(procedure: Procedure) -> list[Agency]:
    return [
        o.agency
        for o in Offering.objects.filter(procedure=procedure, online=True, agency__active=True)
        .select_related("agency")
        .order_by("agency__path")
    ]


def filable_procedure(code: str) -> tuple[Procedure, object]:
    """The procedure and its version in force, if it may be filed online now; else NotFound/Unprocessable."""
    procedure = Procedure.objects.filter(code=code, active=True).first()
    if procedure is None:
        raise NotFound(f"Không tìm thấy thủ tục '{code}'.", f"No procedure '{code}'.")
    version = procedure.version_at(timezone.localdate())
    if version is None or version.online_level not in ("full", "partial") or not online_agencies(procedure):
        raise Unprocessable(
            "Thủ tục này chưa được cung cấp trực tuyến; vui lòng nộp hồ sơ tại Bộ phận Một cửa.",
            "This procedure is not offered online; file at the one-stop counter.",
            code="not_online",
        )
    return procedure, version


def draft_current(*, user, procedure: Procedure) -> Draft | None:
    """The citizen's open (not yet submitted) draft for the procedure, if any; creates nothing."""
    return Draft.objects.filter(user=user, procedure=procedure, submitted_at__isnull=True).first()


def draft_open(*, user, procedure: Procedure) -> Draft:
    """The citizen's open draft for the procedure (created, pre-filled from the profile, if none)."""
    draft = draft_current(user=user, procedure=procedure)
    if draft is not None:
        return draft
    profile = profile_of(user)
    agencies = online_agencies(procedure)
    data = {
        "who": "self",
        "agency": agencies[0].identifier if len(agencies) == 1 else "",
        "applicant_kind": "individual",
        "applicant_name": profile.full_name or user.get_full_name(),
        "applicant_id_number": profile.id_number,
        "applicant_address": profile.address,
        "applicant_phone": profile.phone,
        "applicant_email": user.email,
        # filing on behalf, the account holder is the authorised representative: their own details go there
        "rep_name": profile.full_name or user.get_full_name(),
        "rep_id_number": profile.id_number,
        "rep_phone": profile.phone,
        "rep_email": user.email,
    }
    try:
        with transaction.atomic():
            return Draft.objects.create(user=user, procedure=procedure, data=data, step=wizard.STEPS[0])
    except IntegrityError:  # the same citizen opened it twice at once
        return Draft.objects.get(user=user, procedure=procedure, submitted_at__isnull=True)


def draft_save(*, draft: Draft, values: dict, step: str) -> Draft:
    with transaction.atomic():
        locked = Draft.objects.select_for_update().get(pk=draft.pk)
        if locked.submitted_at:
            raise Conflict(
                "Hồ sơ nháp này đã được nộp.", "This draft was already submitted.", code="submitted"
            )
        locked.data = {**locked.data, **values}
        locked.step = step
        if "agency" in values:
            locked.agency = Agency.objects.filter(identifier=values["agency"]).first()
        locked.save()
    return locked


def draft_add_file(*, draft: Draft, uploaded_file, kind: str, component=None) -> DraftFile:
    """Check (type from content, size, active content) and keep one upload in the draft. The stored bytes are
    exactly the uploaded bytes; their SHA-256 is kept and checked again at submission."""
    if draft.submitted_at:
        raise Conflict("Hồ sơ nháp này đã được nộp.", "This draft was already submitted.", code="submitted")
    if component is not None and not wizard.components(draft).filter(pk=component.pk).exists():
        raise Unprocessable("Thành phần hồ sơ không hợp lệ.", "Unknown component.", code="bad_component")
    info = documents.inspect_upload(uploaded_file)
    existing = draft.files.filter(sha256=info.sha256, kind=kind, component=component).first()
    if existing is not None:
        return existing
    uploaded_file.seek(0)
    row = DraftFile(
        draft=draft,
        kind=kind,
        component=component,
        name=info.name,
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
    )
    stored = f"u{draft.user_id}-{info.sha256[:20]}.{info.extension}"
    with guarded(name=stored):  # the store down: 503, nothing kept
        row.file.save(stored, File(uploaded_file, name=stored), save=False)
    try:
        with transaction.atomic():
            row.save()
            Draft.objects.filter(pk=draft.pk).update(updated_at=timezone.now())
    except Exception:
        default_storage.delete(row.file.name)
        raise
    return row


def draft_remove_file(*, draft: Draft, file_id: int) -> None:
    if draft.submitted_at:
        raise Conflict("Hồ sơ nháp này đã được nộp.", "This draft was already submitted.", code="submitted")
    row = draft.files.filter(pk=file_id).first()
    if row is None:
        raise NotFound("Không tìm thấy tệp.", "File not found.")
    name = row.file.name
    row.delete()
    transaction.on_commit(lambda: default_storage.delete(name))


def draft_delete(*, draft: Draft) -> None:
    if draft.submitted_at:
        raise Conflict("Hồ sơ nháp này đã được nộp.", "This draft was already submitted.", code="submitted")
    names = [f.file.name for f in draft.files.all()]
    draft.delete()
    transaction.on_commit(lambda: [default_storage.delete(n) for n in names])


def draft_submit(*, draft_id: int, user) -> Dossier:
    """File the draft online (dossiers.dossier_file, channel online) and attach every uploaded file as a
    DossierDocument, all in one transaction. Submitting twice returns the same dossier."""
    stored = []
    try:
        with transaction.atomic():
            draft = Draft.objects.select_for_update().filter(pk=draft_id, user=user).first()
            if draft is None:
                raise NotFound("Không tìm thấy hồ sơ nháp.", "Draft not found.")
            if draft.submitted_at and draft.dossier_id:
                return draft.dossier
            if wizard.problems(draft):
                with translation.override("vi"):
                    vi = "; ".join(str(p.message) for p in wizard.problems(draft))
                with translation.override("en"):
                    en = "; ".join(str(p.message) for p in wizard.problems(draft))
                raise Unprocessable(
                    f"Hồ sơ chưa đầy đủ: {vi}.", f"The filing is incomplete: {en}.", code="incomplete"
                )
            args = wizard.filing_arguments(draft)
            files = list(draft.files.select_related("component").order_by("pk"))
            dossier, _created = dossier_services.dossier_file(
                actor=user,
                channel="online",
                idempotency_key=f"portal-draft-{draft.pk}",
                applicant_user=user,
                file_hashes=list(dict.fromkeys(f.sha256 for f in files)),  # recorded on the submit event
                **args,
            )
            for f in files:
                with open_stored(f.file) as fh:
                    doc = documents.store_upload(
                        dossier=dossier,
                        uploaded_file=File(fh, name=f.name),
                        kind=f.kind,
                        component=f.component if f.kind == DraftFile.Kind.COMPONENT else None,
                        actor=user,
                    )
                stored.append(doc)
                if doc.sha256 != f.sha256:
                    raise Conflict(
                        f"Tệp “{f.name}” đã bị thay đổi sau khi tải lên; vui lòng tải lại tệp.",
                        f"File “{f.name}” changed after upload; upload it again.",
                        code="file_changed",
                    )
            draft.dossier = dossier
            draft.submitted_at = timezone.now()
            draft.save(update_fields=["dossier", "submitted_at", "updated_at"])
            names = [f.file.name for f in draft.files.all()]
            draft.files.all().delete()  # the dossier's documents now hold these exact bytes
            transaction.on_commit(lambda: [default_storage.delete(n) for n in names])
    except Exception:
        documents.discard(stored)
        raise
    return dossier


# --- my dossiers ----------------------------------------------------------------------------------------------


def owned_dossier(code: str, user) -> Dossier:
    dossier = (
        Dossier.objects.select_related("agency", "procedure").filter(code=code, applicant_user=user).first()
    )
    if dossier is None:
        raise NotFound(f"Không tìm thấy hồ sơ '{code}' của bạn.", f"No dossier '{code}' of yours.")
    return dossier


def dossier_supplement(*, code: str, user, files: list, note: str = "", component: str = "") -> Dossier:
    """The applicant completes a dossier (state supplement_requested): store the files, then the `supplement`
    action records their hashes. With `component` (the number of one of the procedure's components), the files
    stand for that component — the signed form asked for in place of the unsigned one filed — and the receipt lists
    them under it. A bad file, an unknown component or a refused action stores nothing."""
    dossier = owned_dossier(code, user)
    if dossier.state != State.SUPPLEMENT_REQUESTED:
        raise Conflict(
            "Hồ sơ không ở trạng thái yêu cầu bổ sung.",
            "The dossier is not awaiting a supplement.",
            code="state",
        )
    if not files:
        raise Unprocessable(
            "Vui lòng chọn ít nhất một tệp bổ sung.", "Choose at least one file.", code="no_files"
        )
    problem = page_text_problem(note, dossier_services.ACTION_TEXT_LIMITS["note"][0], "Ghi chú", "The note")
    if problem is not None:
        raise problem
    target = None
    if component:
        version = dossier.procedure_version
        target = (
            version.components.filter(order=int(component)).first()
            if version and component.isdigit() and len(component) <= 6
            else None
        )
        if target is None:
            raise Unprocessable(
                "Thành phần hồ sơ đã chọn không thuộc thủ tục của hồ sơ; chọn lại trong danh sách.",
                "The component chosen is not one of the dossier's procedure; choose one from the list.",
                code="bad_component",
            )
    inspected = [documents.inspect_upload(f) for f in files]  # refuse a bad file before storing anything
    stored = []
    try:
        with transaction.atomic():
            for f, info in zip(files, inspected, strict=True):
                stored.append(
                    documents.store_upload(
                        dossier=dossier,
                        uploaded_file=f,
                        kind="supplement",
                        component=target,
                        actor=user,
                        inspected=info,
                    )
                )
            hashes = list(dict.fromkeys(d.sha256 for d in stored))
            params = {"file_hashes": hashes}
            if note:
                params["note"] = note
            dossier = dossier_services.dossier_act(code=code, action="supplement", actor=user, params=params)
    except Exception:
        documents.discard(stored)
        raise
    return dossier


SAME_SUPPLEMENT_WINDOW = dt.timedelta(minutes=10)


def supplement_just_sent(dossier: Dossier, user, files: list):
    """The `supplement` event `user` recorded on `dossier` in the last minutes with every one of `files` (by
    content), or None: the same page sent twice (a double tap, a resubmitted page) finds the dossier no longer
    awaiting a supplement, and the citizen was told it failed when the first sending had worked."""
    import hashlib

    last = dossier.events.filter(action="supplement", actor=user).order_by("-seq").first()
    if last is None or timezone.now() - last.at > SAME_SUPPLEMENT_WINDOW or not files:
        return None
    sent = set(last.file_hashes or [])
    for f in files:
        digest = hashlib.sha256()
        f.seek(0)
        for chunk in iter(lambda f=f: f.read(1024 * 1024), b""):
            digest.update(chunk)
        f.seek(0)
        if digest.hexdigest() not in sent:
            return None
    return last


def page_text_problem(value: str, limit: int, label_vi: str, label_en: str, *, lines: bool = False):
    """What is wrong with a text the citizen typed into a box of their dossier's page, named as the page names the
    box ("Ghi chú", not the API's "(note)"), or None."""
    if len(value) > limit:
        return Unprocessable(
            f"{label_vi} dài tối đa {limit} ký tự (đã nhập {len(value)}).",
            f"{label_en}: at most {limit} characters ({len(value)} typed).",
            code="too_long",
        )
    try:
        check_text(value, label_vi, label_en, lines=lines)
    except DomainError as exc:
        return exc
    return None


def withdrawal_problems(reason: str, *, confirmed: bool = True) -> list[DomainError]:
    """Everything wrong with a withdrawal request, in the form's order (the reason, then the confirmation), so the
    page lists every problem at once: a missing, overlong or garbled reason, the box not ticked."""
    problems: list[DomainError] = []
    if not reason.strip():
        problems.append(
            Unprocessable(
                "Vui lòng nêu lý do rút hồ sơ.", "Give the reason for withdrawing.", code="missing_reason"
            )
        )
    else:
        limit = dossier_services.ACTION_TEXT_LIMITS["reason"][0]
        problem = page_text_problem(
            reason, limit, "Lý do rút hồ sơ", "The reason for withdrawing", lines=True
        )
        if problem is not None:
            problems.append(problem)
    if not confirmed:
        problems.append(
            Unprocessable(
                "Vui lòng đánh dấu xác nhận rút hồ sơ.",
                "Tick the box to confirm the withdrawal.",
                code="confirm",
            )
        )
    return problems


def dossier_withdraw(*, code: str, user, reason: str) -> Dossier:
    """The applicant asks to stop their dossier (Decree 118 Art. 21); the agency then issues the stop notice."""
    owned_dossier(code, user)
    problems = withdrawal_problems(reason)
    if problems:
        raise problems[0]
    return dossier_services.dossier_act(
        code=code, action="request_withdrawal", actor=user, params={"reason": reason}
    )


# --- payments -------------------------------------------------------------------------------------------------


def payment_due(dossier: Dossier) -> tuple[Decimal, int] | None:
    """(amount, seq of the request_payment event) when the dossier awaits a payment."""
    if dossier.state != State.AWAITING_PAYMENT:
        return None
    event = dossier.events.filter(action="request_payment").order_by("-seq").first()
    if event is None:
        return None
    try:
        amount = Decimal(str(event.data.get("amount")))
    except (InvalidOperation, TypeError):
        return None
    return (amount, event.seq) if amount > 0 else None


# A pending payment younger than this is resumed instead of starting another (a second tab, the back button); an
# older one is taken as abandoned at the provider (a checkout page expires) and a new one may start. Should the old
# one still be paid, the callback flags it for a refund (refund_due).
PAYMENT_RESUME_MINUTES = 30


def payment_start(*, code: str, user) -> tuple[Payment, str]:
    """Start paying the fee due on the citizen's dossier, or resume the payment already pending for it: pressing
    "Thanh toán trực tuyến" twice never opens two transactions for one fee. Starts are serialised on the dossier's
    row."""
    owned_dossier(code, user)
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().get(code=code)
        due = payment_due(dossier)
        if due is None:
            raise Conflict(
                "Hồ sơ không có khoản phí cần thanh toán.",
                "Nothing to pay on this dossier.",
                code="nothing_due",
            )
        amount, seq = due
        payments = dossier.payments.filter(request_seq=seq)
        if payments.filter(status=PaymentStatus.PAID).exists():
            raise Conflict(
                "Khoản phí này đã được thanh toán.", "This fee has already been paid.", code="already_paid"
            )
        since = timezone.now() - dt.timedelta(minutes=PAYMENT_RESUME_MINUTES)
        pending = (
            payments.filter(status=PaymentStatus.PENDING, amount=amount, created_at__gte=since)
            .exclude(redirect_url="")
            .order_by("-created_at")
            .first()
        )
        if pending is not None:
            return pending, pending.redirect_url
        gateway = get_gateway()
        start = gateway.create_payment(dossier, amount)
        payment = Payment.objects.create(
            dossier=dossier,
            amount=amount,
            reference=start.reference,
            provider=gateway.name,
            payer=user,
            request_seq=seq,
            redirect_url=start.redirect_url[:2000],
        )
    return payment, start.redirect_url


def system_account(agency: Agency):
    """The agency's system account ("system:<identifier>", one-stop officer role, cannot sign in): the actor of
    actions the system takes on the agency's behalf, such as confirming a verified online payment."""
    User = get_user_model()
    username = f"{SYSTEM_ACCOUNT_PREFIX}{agency.identifier}"
    user = User.objects.filter(username=username).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User(username=username, first_name="Hệ thống (thanh toán trực tuyến)")
                user.set_unusable_password()
                user.save()
        except IntegrityError:
            user = User.objects.get(username=username)
    StaffRole.objects.get_or_create(user=user, agency=agency, unit=None, role=Role.OFFICER)
    return user


def payment_callback(*, reference: str, paid: bool) -> Payment:
    """Apply a verified gateway callback. Idempotent: a repeated callback changes nothing and confirms once."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("dossier__agency")
            .filter(reference=reference)
            .first()
        )
        if payment is None:
            raise NotFound(f"Không có giao dịch '{reference}'.", f"No payment '{reference}'.")
        if payment.status == PaymentStatus.PAID:
            return payment
        if not paid:
            payment.status = PaymentStatus.CANCELLED
            payment.save(update_fields=["status"])
            return payment
        payment.status = PaymentStatus.PAID
        payment.paid_at = timezone.now()
        dossier = Dossier.objects.select_for_update().get(pk=payment.dossier_id)
        if (
            dossier.state == State.AWAITING_PAYMENT
            and payment_due(dossier)
            and payment_due(dossier)[1] == payment.request_seq
        ):
            dossier_services.dossier_act(
                code=dossier.code,
                action="confirm_payment",
                actor=system_account(dossier.agency),
                params={"paid_reference": reference, "amount": str(payment.amount)},
            )
        else:  # a duplicate (the fee was paid by another transaction) or paid after the request was withdrawn
            payment.refund_due = True
            payment.note = (
                "Đã nhận tiền khi hồ sơ không còn chờ thanh toán khoản này — cần đối soát/hoàn tiền."
            )
            logger.warning("payment %s paid for %s in state %s", reference, dossier.code, dossier.state)
        payment.save(update_fields=["status", "paid_at", "note", "refund_due"])
    return payment
