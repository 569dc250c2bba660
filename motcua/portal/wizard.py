"""The online filing wizard as data: its steps, what each needs, and how a complete draft becomes the arguments
of dossiers.services.dossier_file."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.catalog.eforms import RESULT_ADDRESS, build_eform, eform_initial
from motcua.catalog.models import ProcedureComponent
from motcua.dossiers.services import CONTACT_LIMITS

from . import forms
from .models import DraftFile

STEPS = ["nguoi-nop", "thanh-phan", "to-khai", "nhan-ket-qua", "xem-lai"]
STEP_LABELS = {
    "nguoi-nop": _("Người nộp"),
    "thanh-phan": _("Thành phần hồ sơ"),
    "to-khai": _("Tờ khai"),
    "nhan-ket-qua": _("Nhận kết quả"),
    "xem-lai": _("Xem lại và nộp"),
}
WHO_KEYS = [
    "agency",
    "who",
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_address",
    "applicant_phone",
    "applicant_email",
    "rep_name",
    "rep_id_number",
    "rep_phone",
    "rep_email",
]


@dataclass(frozen=True)
class Problem:
    step: str
    message: str  # in the interface language
    field: str = ""  # the input it is about, when there is one: the page marks it and links to it


def version_of(draft):
    return draft.procedure.version_at(timezone.localdate())


def components(draft):
    version = version_of(draft)
    if version is None:
        return ProcedureComponent.objects.none()
    return version.components.order_by("order", "pk")


def own_id_number(draft) -> str:
    """The personal ID of the account filing the draft (its citizen profile), "" when it has none recorded."""
    from .models import CitizenProfile

    return (
        CitizenProfile.objects.filter(user_id=draft.user_id).values_list("id_number", flat=True).first() or ""
    )


def problems(draft) -> list[Problem]:
    """Everything still missing or invalid, per step (empty = ready to submit)."""
    from .services import online_agencies

    out: list[Problem] = []
    data = draft.data or {}
    agencies = online_agencies(draft.procedure)
    who = forms.WhoForm(
        {k: data.get(k, "") for k in WHO_KEYS}, agencies=agencies, own_id=own_id_number(draft)
    )
    if not who.is_valid():
        out.append(Problem("nguoi-nop", _("Thông tin người nộp hồ sơ chưa đầy đủ hoặc chưa hợp lệ")))
    version = version_of(draft)
    if version is None or version.online_level not in ("full", "partial"):
        out.append(Problem("nguoi-nop", _("Thủ tục không còn được cung cấp trực tuyến")))
        return out
    files = list(draft.files.all())
    current = {c.pk: c for c in components(draft)}
    for c in current.values():
        if c.required and not any(f.component_id == c.pk for f in files):
            out.append(Problem("thanh-phan", _("Chưa tải lên: %(name)s") % {"name": c.name}, f"file_{c.pk}"))
    if any(f.kind == "component" and f.component_id not in current for f in files):
        out.append(
            Problem(
                "thanh-phan",
                _("Thủ tục đã có phiên bản mới: có tệp không thuộc thành phần hồ sơ hiện hành"),
            )
        )
    letters = any(f.kind == "authorisation" for f in files)
    if data.get("who") == "behalf" and not letters:
        out.append(Problem("thanh-phan", _("Chưa tải lên văn bản ủy quyền"), "file_auth"))
    elif data.get("who") != "behalf" and letters:
        # uploaded while filing on behalf, then "Cho chính tôi" chosen: never filed as a letter nobody gave
        out.append(
            Problem(
                "thanh-phan",
                _(
                    "Bạn nộp hồ sơ cho chính mình: hãy xóa văn bản ủy quyền đã tải lên, hoặc chọn nộp thay người "
                    "khác ở bước Người nộp."
                ),
                "file_auth",
            )
        )
    eform = build_eform(version.form_fields)(eform_initial(version.form_fields, data.get("form") or {}))
    if not eform.is_valid():
        out.append(Problem("to-khai", _("Tờ khai điện tử chưa đầy đủ hoặc chưa hợp lệ")))
    result = forms.ResultForm(
        {"result_method": data.get("result_method", ""), "result_address": data.get("result_address", "")}
    )
    if not result.is_valid():
        out.append(Problem("nhan-ket-qua", _("Chưa chọn hình thức nhận kết quả")))
    return out


AUTHORISATION_MAX = CONTACT_LIMITS["authorisation_document"]  # what the filing takes


def authorisation_text(draft) -> str:
    """The authorisation letter as the receipt names it: "tệp <names>, nộp kèm hồ sơ trực tuyến"."""
    tail = ", nộp kèm hồ sơ trực tuyến"
    names = ", ".join(f.name for f in draft.files.filter(kind=DraftFile.Kind.AUTHORISATION).order_by("pk"))
    room = AUTHORISATION_MAX - len("tệp ") - len(tail)
    if len(names) > room:
        names = names[: room - 1].rstrip(", ") + "…"
    return f"tệp {names}{tail}" if names else "tệp" + tail


def filing_arguments(draft) -> dict:
    data = draft.data
    applicant = {
        "kind": data.get("applicant_kind") or "individual",
        "name": data["applicant_name"],
        "id_number": data["applicant_id_number"],
        "address": data.get("applicant_address", ""),
        "phone": data.get("applicant_phone", ""),
        "email": data.get("applicant_email", ""),
    }
    representative = None
    if data.get("who") == "behalf":
        representative = {
            "name": data.get("rep_name", ""),
            "id_number": data.get("rep_id_number", ""),
            "phone": data.get("rep_phone", ""),
            "email": data.get("rep_email", ""),
            # the letter itself is a file of the filing (kind "authorisation"): what the receipt (Form 01) writes
            # after "văn bản ủy quyền:", as the officer types a letter's number and date at the counter
            "authorisation_document": authorisation_text(draft),
        }
    form_data = dict(data.get("form") or {})
    if data.get("result_method") == "post":
        form_data[RESULT_ADDRESS] = data.get("result_address", "")
    return {
        "procedure_code": draft.procedure.code,
        "agency_identifier": data["agency"],
        "applicant": applicant,
        "representative": representative,
        "form_data": form_data,
        "result_method": data["result_method"],
    }
