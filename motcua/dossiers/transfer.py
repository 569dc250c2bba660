"""Handing a colleague's work to another (chuyển giao công việc): when a specialist goes on leave, is rotated to
another post (luân chuyển, định kỳ chuyển đổi vị trí công tác) or leaves the agency, the steps assigned to them
must not wait for their return. A head of the agency lists who holds open steps — those who no longer hold a
working role there first — and reassigns some or all of one person's steps to a colleague.

Each step is reassigned by the ordinary `assign` action (services.dossier_act), one dossier per transaction: the
event records who gave the work, to whom, when and why (with the previous holder), the control slip shows it,
and a dossier that cannot be assigned now (its clock paused for a supplement or a payment, a withdrawal asked)
is reported and left as it was, to be transferred when it resumes."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Min, Q

from motcua.core.errors import Conflict, DomainError, PermissionDenied, Unprocessable
from motcua.core.text import check_text, nfc
from motcua.org.models import Agency
from motcua.org.selectors import agencies_with_role

from . import lifecycle, selectors, services
from .models import DossierStep, State
from .workflow import TRANSITIONS

# who hands a colleague's work on: the heads of the step's agency (services.STEP_SUPERVISORS; the assign action's
# own roles also include the one-stop officer, who assigns a single dossier at reception, not a colleague's desk)
TRANSFER_ROLES = services.STEP_SUPERVISORS
# the dossiers whose steps are still to be worked on: the inboxes' open states and a withdrawal asked
OPEN_STATES = (*selectors.OPEN_STATES, State.WITHDRAWAL_REQUESTED)
# the states in which `assign` is allowed (workflow): the others are reported as "later"
ASSIGNABLE_STATES = TRANSITIONS["assign"].sources
MAX_REASON = 500


def transfer_agencies(user) -> list[Agency]:
    """The agencies whose open steps `user` may hand on (a superuser: every agency with open steps)."""
    if getattr(user, "is_superuser", False):
        ids = open_steps().values_list("agency_id", flat=True).distinct()
        return list(Agency.objects.filter(pk__in=ids).order_by("path"))
    unique = {a.pk: a for a in agencies_with_role(user, *TRANSFER_ROLES)}
    return sorted(unique.values(), key=lambda a: a.path)


def may_transfer(user, agency: Agency) -> bool:
    return any(a.pk == agency.pk for a in transfer_agencies(user))


def open_steps(agency: Agency | None = None):
    """Steps with an assignee, not completed, of dossiers still being worked on."""
    qs = DossierStep.objects.filter(
        assignee__isnull=False, completed_at__isnull=True, dossier__state__in=OPEN_STATES
    )
    return qs.filter(agency=agency) if agency is not None else qs


def working_usernames(agency: Agency) -> set[str]:
    """Usernames of the active staff who may be given a step of `agency` (services.WORKING_ROLES)."""
    return set(services.working_staff([agency.pk]).values_list("user__username", flat=True))


@dataclass
class Holder:
    username: str
    name: str
    steps: int
    assignable: int
    earliest_due: object
    still_here: bool  # holds an active working role in the agency, on an active account


def holders(agency: Agency) -> list[Holder]:
    """Who holds open steps of `agency`, those no longer working there first, then by number of steps."""
    rows = (
        open_steps(agency)
        .values("assignee__username", "assignee__first_name", "assignee__last_name")
        .annotate(
            n=Count("pk"),
            assignable=Count("pk", filter=Q(dossier__state__in=ASSIGNABLE_STATES)),
            due=Min("due_at"),
        )
    )
    here = working_usernames(agency)
    out = [
        Holder(
            username=r["assignee__username"],
            name=f"{r['assignee__first_name']} {r['assignee__last_name']}".strip() or r["assignee__username"],
            steps=r["n"],
            assignable=r["assignable"],
            earliest_due=r["due"],
            still_here=r["assignee__username"] in here,
        )
        for r in rows
    ]
    out.sort(key=lambda h: (h.still_here, -h.steps, h.username))
    return out


def stranded_count(user) -> int:
    """Open steps, in the agencies `user` heads, held by someone who no longer works there (the inbox's notice)."""
    total = 0
    for agency in transfer_agencies(user):
        total += open_steps(agency).exclude(assignee__username__in=working_usernames(agency)).count()
    return total


def steps_held(agency: Agency, username: str):
    return (
        open_steps(agency)
        .filter(assignee__username=username)
        .select_related("dossier", "dossier__agency", "dossier__procedure")  # due_status reads the agency
        .order_by("due_at", "dossier__code", "order")
    )


@dataclass
class Outcome:
    code: str
    order: int
    done: bool
    message: str = ""
    message_en: str = ""


def steps_transfer(
    *, actor, agency: Agency, from_username: str, to_username: str, step_ids: list[int], reason: str
) -> list[Outcome]:
    """Reassign the chosen open steps of `from_username` in `agency` to `to_username`, one `assign` per dossier,
    each in its own transaction. A step no longer held by `from_username` (someone reassigned or completed it
    meanwhile) or whose dossier cannot be assigned now is reported and left as it is."""
    if not may_transfer(actor, agency):
        raise PermissionDenied(
            "Chỉ lãnh đạo cơ quan, lãnh đạo phòng chuyển giao công việc của cán bộ.",
            "Only the agency's heads hand over a colleague's work.",
        )
    if to_username == from_username:
        raise Unprocessable(
            "Người nhận phải khác người đang giữ hồ sơ.",
            "Choose someone other than the current holder.",
            code="bad_assignee",
        )
    if to_username not in working_usernames(agency):
        raise Unprocessable(
            f"'{to_username}' không phải cán bộ đang công tác tại {agency.name}.",
            f"'{to_username}' is not working staff of {agency.name}.",
            code="bad_assignee",
        )
    check_text(reason, "Lý do chuyển giao", "The reason for the transfer", lines=True)
    reason = nfc(reason or "").strip()
    if not reason:
        raise Unprocessable(
            "Ghi lý do chuyển giao (nghỉ phép, luân chuyển vị trí công tác, …).",
            "Give the reason for the transfer (leave, rotation, …).",
            code="missing_reason",
        )
    if len(reason) > MAX_REASON:
        raise Unprocessable(
            f"Lý do chuyển giao dài quá {MAX_REASON} ký tự.",
            f"The reason is longer than {MAX_REASON} characters.",
            code="bad_reason",
        )
    holder = get_user_model().objects.filter(username=from_username).first()
    holder_name = (holder.get_full_name() if holder else "") or from_username
    wanted = list(
        DossierStep.objects.filter(pk__in=step_ids, agency=agency)
        .select_related("dossier")
        .order_by("dossier__code", "order")
    )
    outcomes: list[Outcome] = []
    for step in wanted:
        code = step.dossier.code
        try:
            with transaction.atomic():
                dossier = services.locked_dossier(code)  # the action's own lock: no one changes it under us
                fresh = DossierStep.objects.filter(pk=step.pk).select_related("assignee").first()
                if (
                    fresh is None
                    or fresh.completed_at is not None
                    or fresh.assignee is None
                    or fresh.assignee.username != from_username
                ):
                    raise Conflict(
                        "Bước này đã được người khác phân công lại hoặc đã hoàn thành.",
                        "This step was reassigned or completed meanwhile.",
                        code="stale",
                    )
                if dossier.state not in ASSIGNABLE_STATES:
                    vi, en = lifecycle.STATE_LABELS[dossier.state]
                    raise Conflict(
                        f"Hồ sơ đang ở trạng thái “{vi}”: chuyển giao khi hồ sơ được tiếp tục xử lý.",
                        f"The dossier is '{en}': transfer it when processing resumes.",
                        code="paused",
                    )
                services.dossier_act(
                    code=code,
                    action="assign",
                    actor=actor,
                    params={
                        "step": fresh.order,
                        "assignee": to_username,
                        "reason": f"Chuyển giao công việc của {holder_name}: {reason}",
                    },
                )
        except DomainError as exc:
            outcomes.append(Outcome(code, step.order, False, exc.message, exc.message_en))
        else:
            outcomes.append(Outcome(code, step.order, True))
    return outcomes
