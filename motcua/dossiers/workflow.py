"""The lifecycle as data: which action is allowed from which state, what state it leads to, and who may take it.

Contract §4 (states) and §7 (actions). `PREVIOUS` means "back to the state before the pause" (resume_state).
Role names are org.Role values; APPLICANT = the citizen/organisation account that owns the dossier.
"""

from dataclasses import dataclass

from motcua.core.i18n import english_active

from .models import State

PREVIOUS = "__previous__"
SAME = "__same__"
APPLICANT = "applicant"
ANY_USER = "any_user"

S = State
OPEN_AFTER_RECEPTION = frozenset({S.RECEIVED, S.PROCESSING})
PAUSED = frozenset({S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset  # states the action may start from; None = a dossier not yet registered
    target: str
    roles: (
        frozenset  # org roles in the dossier's agency (or the current step's agency) + APPLICANT / ANY_USER
    )
    label: str  # Vietnamese label for buttons and the timeline
    label_en: str

    @property
    def display(self) -> str:
        """The label in the interface language (pages); `label` stays Vietnamese for messages."""
        return self.label_en if english_active() else self.label


def _t(action, sources, target, roles, label, label_en):
    return Transition(action, frozenset(sources), target, frozenset(roles), label, label_en)


OFFICER, SPECIALIST, UNIT_HEAD, LEADER = "officer", "specialist", "unit_head", "leader"
STAFF = {OFFICER, SPECIALIST, UNIT_HEAD, LEADER}

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("submit", {None}, S.SUBMITTED, {ANY_USER}, "Nộp hồ sơ trực tuyến", "Submit online"),
        _t(
            "register",
            {None},
            S.SUBMITTED,
            {OFFICER},
            "Đăng ký hồ sơ (trực tiếp/bưu chính)",
            "Register (counter/post)",
        ),
        _t("receive", {None, S.SUBMITTED}, S.RECEIVED, {OFFICER}, "Tiếp nhận hồ sơ", "Receive"),
        _t(
            "request_supplement",
            {S.SUBMITTED, S.RECEIVED, S.PROCESSING},
            S.SUPPLEMENT_REQUESTED,
            {OFFICER, SPECIALIST, UNIT_HEAD, LEADER},
            "Yêu cầu bổ sung hồ sơ",
            "Request supplement",
        ),
        _t(
            "supplement",
            {S.SUPPLEMENT_REQUESTED},
            PREVIOUS,
            {APPLICANT, OFFICER},
            "Bổ sung hồ sơ",
            "Supplement",
        ),
        _t(
            "refuse",
            {S.SUBMITTED, S.SUPPLEMENT_REQUESTED},
            S.REFUSED,
            {OFFICER},
            "Từ chối tiếp nhận",
            "Refuse",
        ),
        _t(
            "assign",
            {S.RECEIVED, S.PROCESSING},
            S.PROCESSING,
            {UNIT_HEAD, LEADER, OFFICER},
            "Phân công xử lý",
            "Assign",
        ),
        _t("hand_over", {S.RECEIVED, S.PROCESSING}, S.PROCESSING, STAFF, "Chuyển bước xử lý", "Hand over"),
        _t(
            "request_payment",
            {S.RECEIVED, S.PROCESSING},
            S.AWAITING_PAYMENT,
            STAFF,
            "Yêu cầu thực hiện nghĩa vụ tài chính",
            "Request payment",
        ),
        _t(
            "confirm_payment",
            {S.AWAITING_PAYMENT},
            PREVIOUS,
            {OFFICER, SPECIALIST},
            "Xác nhận đã nộp phí",
            "Confirm payment",
        ),
        _t(
            "apologize",
            {S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT},
            SAME,
            {LEADER, UNIT_HEAD, OFFICER},
            "Xin lỗi và hẹn lại ngày trả",
            "Apologise",
        ),
        _t(
            "request_withdrawal",
            {S.SUBMITTED, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.AWAITING_PAYMENT},
            S.WITHDRAWAL_REQUESTED,
            {APPLICANT, OFFICER},
            "Yêu cầu rút hồ sơ",
            "Request withdrawal",
        ),
        _t(
            "stop",
            {
                S.WITHDRAWAL_REQUESTED,
                S.SUBMITTED,
                S.RECEIVED,
                S.PROCESSING,
                S.SUPPLEMENT_REQUESTED,
                S.AWAITING_PAYMENT,
            },
            S.STOPPED,
            {OFFICER, LEADER},
            "Dừng xử lý (thông báo dừng)",
            "Stop",
        ),
        _t(
            "resolve",
            {S.RECEIVED, S.PROCESSING, S.WITHDRAWAL_REQUESTED},
            S.RESOLVED,
            {LEADER, UNIT_HEAD},
            "Hoàn thành giải quyết",
            "Resolve",
        ),
        _t("return_result", {S.RESOLVED}, S.RETURNED, {OFFICER}, "Trả kết quả", "Return result"),
    ]
}

ACTIONS = tuple(TRANSITIONS)


def allowed_from(state: str | None) -> list[str]:
    return [a for a, t in TRANSITIONS.items() if state in t.sources]
