"""The lifecycle engine: applies one action to a dossier's timing snapshot, validating it against the
transition table and computing the timings of contract §5/§7. Pure (no ORM): the services use it for live
actions, the migration import and the statistics checker use it to replay histories — one rule set for all.
"""

import copy
import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from motcua.core.dates import YEARS_RULE, in_supported_years
from motcua.core.i18n import english_active

from .workflow import PREVIOUS, SAME, TRANSITIONS

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
PAUSE_ACTIONS = {"request_supplement", "request_payment"}
RESUME_ACTIONS = {"supplement", "confirm_payment"}
OUTCOMES = {"approved", "ineligible"}
RETURN_METHODS = {"counter", "post", "electronic"}

STATE_LABELS = {
    "submitted": ("Mới đăng ký", "Submitted"),
    "received": ("Được tiếp nhận", "Received"),
    "refused": ("Không được tiếp nhận", "Refused"),
    "processing": ("Đang xử lý", "Processing"),
    "supplement_requested": ("Yêu cầu bổ sung", "Supplement requested"),
    "awaiting_payment": ("Yêu cầu thực hiện nghĩa vụ tài chính", "Awaiting payment"),
    "withdrawal_requested": ("Công dân yêu cầu rút hồ sơ", "Withdrawal requested"),
    "stopped": ("Dừng xử lý", "Stopped"),
    "resolved": ("Đã xử lý xong", "Resolved"),
    "returned": ("Đã trả kết quả", "Returned"),
    None: ("Chưa đăng ký", "Not registered"),
}


class LifecycleError(Exception):
    """An action that the lifecycle does not allow. `conflict` is True when the dossier's state is the reason
    (HTTP 409), False when the action's own data is wrong (HTTP 422)."""

    def __init__(self, message: str, message_en: str, *, conflict: bool = False, code: str = "lifecycle"):
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en
        self.conflict = conflict
        self.code = code


@dataclass
class Snapshot:
    state: str | None = None
    resume_state: str = ""
    last_at: dt.datetime | None = None
    submitted_at: dt.datetime | None = None
    received_at: dt.datetime | None = None
    counting_starts_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    initial_due_at: dt.datetime | None = None
    fixed_due: bool = False  # due_at given by a migrated system: pauses already included
    limit_hours: Decimal | None = None
    paused_since: dt.datetime | None = None
    paused_hours: Decimal = Decimal(0)
    clock_changed_at: dt.datetime | None = None  # when paused_since was last set or cleared
    new_return_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    processing_seconds: int | None = None
    outcome: str = ""
    classification: str = ""
    returned_at: dt.datetime | None = None
    return_method: str = ""
    refused_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
    supplement_rounds: int = 0
    pre_reception_supplements: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def received(self) -> bool:
        return self.received_at is not None

    def __copy__(self):
        # copy.copy() of a dataclass goes through __reduce_ex__; a replay copies the snapshot once per event
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        return new


PAUSE_PLACES = Decimal("0.01")


def classify(resolved_at: dt.datetime, due_at: dt.datetime) -> str:
    """Contract §5: early if resolved on a local date before the due date; on time if the same date and not
    after the due instant; late if after the due instant."""
    if resolved_at > due_at:
        return "late"
    if resolved_at.astimezone(LOCAL).date() < due_at.astimezone(LOCAL).date():
        return "early"
    return "on_time"


def recorded_pause(hours: Decimal) -> Decimal:
    """A pause's working time as added to `paused_hours`: rounded half-up to 0.01 h, the column's precision, so the
    total is the same whether a history is replayed at once (import) or read back from the database between
    actions (live). The due instant moves by the exact time."""
    rounded = hours.quantize(PAUSE_PLACES, ROUND_HALF_UP)
    return hours if rounded == hours else rounded


def processing_seconds(start: dt.datetime | None, resolved: dt.datetime, paused_hours, cal) -> int | None:
    """Decision 766 indicator 2.2's time of one dossier: the office time of working days from the counting start
    to the resolution, minus the time paused after reception (supplement, payment), in whole seconds (half up);
    None when the clock never started (no counting start)."""
    if start is None:
        return None
    hours = Decimal(str(cal.working_hours_between(start, resolved))) if resolved > start else Decimal(0)
    hours = max(Decimal(0), hours - Decimal(paused_hours or 0))
    return int((hours * 3600).to_integral_value(ROUND_HALF_UP))


def state_label(state: str | None) -> str:
    """The Vietnamese label of contract §4 (API, messages): never translated."""
    return STATE_LABELS.get(state, (state, state))[0]


def state_display(state: str | None) -> str:
    """The label for a page, in the interface language (Vietnamese, or English when chosen)."""
    vi, en = STATE_LABELS.get(state, (state, state))
    return en if english_active() else vi


def aware(value, name: str) -> dt.datetime:
    """`value` (a datetime or its ISO 8601 text) as an aware datetime (naive: local time); LifecycleError if it is
    neither."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError as exc:
            raise LifecycleError(
                f"Thời điểm '{name}' không đúng định dạng ISO 8601.",
                f"'{name}' is not an ISO 8601 datetime.",
                code="bad_datetime",
            ) from exc
    if not isinstance(value, dt.datetime):
        raise LifecycleError(f"Thiếu thời điểm '{name}'.", f"Missing '{name}'.", code="bad_datetime")
    # read before any conversion: 0001-01-01 or 9999-12-31 cannot be moved to another offset
    if not in_supported_years(value.year):
        shown = f"{value.day:02d}/{value.month:02d}/{value.year:04d}"  # strftime writes year 1 as "1"
        raise LifecycleError(
            f"Thời điểm '{name}' {YEARS_RULE[0]}: {shown} không phải.",
            f"'{name}' {YEARS_RULE[1]}: {shown} is not.",
            code="bad_datetime",
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL)
    return value


def apology_deadline(due_at: dt.datetime, cal) -> dt.date:
    """The last day an apology (Form 04) may be sent: one working day before the appointment's day (the lifecycle's
    rule; the inbox's apology tab and the offered actions read the same day)."""
    return previous_working_day(due_at.astimezone(LOCAL).date(), cal)


def previous_working_day(day: dt.date, cal) -> dt.date:
    d = day - dt.timedelta(days=1)
    for _ in range(60):
        if cal.is_working_day(d):
            return d
        d -= dt.timedelta(days=1)
    return d


def _close_pause(s: Snapshot, at: dt.datetime, cal) -> None:
    """End the open pause at `at`: its working time is added to the paused hours and moves the due instant
    (contract §7), unless the previous system's final appointment is kept (`fixed_due`)."""
    if s.paused_since is None:
        return
    hours = Decimal(str(cal.working_hours_between(s.paused_since, at)))
    s.paused_hours += recorded_pause(hours)
    if not s.fixed_due and s.due_at is not None and hours > 0:
        s.due_at = cal.add_working_hours(s.due_at, hours)
    s.paused_since = None


def check_state(state, action: str) -> None:
    """LifecycleError (a conflict) if the state does not allow `action`."""
    t = TRANSITIONS[action]
    if state not in t.sources:
        raise LifecycleError(
            f"Hồ sơ đang ở trạng thái '{state_label(state)}': không thể thực hiện '{t.label}'.",
            f"The dossier is '{STATE_LABELS.get(state, (state, state))[1]}': '{t.label_en}' is not allowed.",
            conflict=True,
            code="transition_not_allowed",
        )


def apply(snap: Snapshot, action: str, at: dt.datetime, params: dict | None, cal) -> Snapshot:
    """Return the snapshot after `action` at instant `at`. `cal` provides compute_deadline(received_at, hours),
    add_working_hours(start, hours), working_hours_between(a, b) and is_working_day(date)."""
    params = params or {}
    t = TRANSITIONS.get(action)
    if t is None:
        raise LifecycleError(
            f"Không có thao tác '{action}'.", f"Unknown action '{action}'.", code="unknown_action"
        )
    at = aware(at, "at")
    state = snap.state
    check_state(
        state, action
    )  # the state first: an action the state refuses is a conflict (409), whatever else
    if snap.last_at is not None and at < snap.last_at:
        raise LifecycleError(
            "Thời điểm thao tác sớm hơn thao tác trước đó của hồ sơ.",
            "The action's time is earlier than the dossier's previous action.",
            code="out_of_order",
        )
    s = copy.copy(snap)  # every field is immutable but `extra` (far cheaper than dataclasses.replace)
    s.extra = dict(snap.extra)
    s.last_at = at
    target = t.target

    if action in ("submit", "register"):
        s.submitted_at = at
    elif action == "receive":
        if state is None:
            s.submitted_at = at
        limit = params.get("limit_hours", s.limit_hours)
        if limit is None:
            raise LifecycleError(
                "Thủ tục chưa có thời hạn giải quyết xác định: nhập số ngày làm việc áp dụng khi tiếp nhận.",
                "The procedure has no single time limit: give the working days to apply at reception.",
                code="no_limit",
            )
        limit = Decimal(str(limit))
        if limit < 0:
            raise LifecycleError(
                "Thời hạn giải quyết không được âm.", "The time limit cannot be negative.", code="bad_limit"
            )
        s.limit_hours = limit
        s.received_at = at
        deadline = cal.compute_deadline(at, hours=limit)
        s.counting_starts_at = deadline.counting_starts_at
        if s.fixed_due and s.due_at is not None:
            pass  # the migrated system's final appointment stands
        else:
            s.due_at = deadline.due_at
        s.initial_due_at = s.due_at
    elif action == "request_supplement":
        s.resume_state = state
        if s.received:
            s.paused_since = at
            s.supplement_rounds += 1
        else:
            s.pre_reception_supplements += 1
    elif action == "request_payment":
        s.resume_state = state
        s.paused_since = at
    elif action in RESUME_ACTIONS:
        _close_pause(s, at, cal)
        target = s.resume_state or ("processing" if s.received else "submitted")
        s.resume_state = ""
    elif action == "refuse":
        if s.received:
            raise LifecycleError(
                "Hồ sơ đã được tiếp nhận: không thể từ chối tiếp nhận (dùng thông báo không đủ điều kiện).",
                "The dossier was already received: it cannot be refused (resolve as ineligible instead).",
                conflict=True,
                code="transition_not_allowed",
            )
        s.refused_at = at
        s.resume_state = ""
    elif action == "apologize":
        new_at = params.get("new_return_at")
        if not new_at:
            raise LifecycleError(
                "Thiếu ngày hẹn trả mới (new_return_at).",
                "Missing 'new_return_at'.",
                code="missing_new_return_at",
            )
        new_at = aware(new_at, "new_return_at")
        if s.new_return_at is not None or s.extra.get("apologized"):
            raise LifecycleError(
                "Việc hẹn lại ngày trả kết quả chỉ được thực hiện một lần.",
                "The return date may be rescheduled only once.",
                conflict=True,
                code="apology_once",
            )
        if s.due_at is None:
            raise LifecycleError("Hồ sơ chưa có ngày hẹn trả.", "The dossier has no due date.", code="no_due")
        if new_at <= s.due_at:
            raise LifecycleError(
                "Ngày hẹn trả mới phải sau ngày hẹn trả hiện tại.",
                "The new return date must be after the current due date.",
                code="bad_new_date",
            )
        latest = apology_deadline(s.due_at, cal)
        if at.astimezone(LOCAL).date() > latest:
            raise LifecycleError(
                "Thư xin lỗi phải gửi chậm nhất 01 ngày làm việc trước ngày hẹn trả "
                f"(hạn gửi: {latest:%d/%m/%Y}).",
                f"The apology must be sent at least one working day before the due date (by {latest:%d/%m/%Y}).",
                conflict=True,
                code="apology_too_late",
            )
        s.new_return_at = new_at
        s.extra["apologized"] = True
    elif action == "stop":
        s.stopped_at = at
        s.paused_since = None
        s.resume_state = ""
    elif action == "resolve":
        if not s.received:
            # a withdrawal asked before reception: there is nothing to conclude, only to stop (contract §5:
            # every resolved dossier is early, on time or late, which needs the due instant set at reception)
            raise LifecycleError(
                "Hồ sơ chưa được tiếp nhận: không thể hoàn thành giải quyết (dùng dừng xử lý).",
                "The dossier was never received: it cannot be resolved (stop it instead).",
                conflict=True,
                code="transition_not_allowed",
            )
        outcome = params.get("outcome")
        if outcome not in OUTCOMES:
            raise LifecycleError(
                "Kết quả giải quyết (outcome) phải là 'approved' hoặc 'ineligible'.",
                "'outcome' must be 'approved' or 'ineligible'.",
                code="bad_outcome",
            )
        s.outcome = outcome
        # resolved with a pause still open (the applicant asked to withdraw while a supplement or payment was
        # awaited): the paused time counts as paused, as at a resume
        _close_pause(s, at, cal)
        s.resolved_at = at
        s.resume_state = ""
        s.processing_seconds = processing_seconds(s.counting_starts_at, at, s.paused_hours, cal)
        if s.due_at is not None:
            s.classification = classify(at, s.due_at)
    elif action == "return_result":
        method = params.get("method")
        if method not in RETURN_METHODS:
            raise LifecycleError(
                "Hình thức trả kết quả (method) phải là 'counter', 'post' hoặc 'electronic'.",
                "'method' must be 'counter', 'post' or 'electronic'.",
                code="bad_method",
            )
        s.returned_at = at
        s.return_method = method
    elif action == "request_withdrawal":
        pass

    if s.paused_since != snap.paused_since:  # the clock stopped or resumed (reports.asof reads it)
        s.clock_changed_at = at
    if target == PREVIOUS:
        target = s.resume_state or state
    if target == SAME:
        target = state
    s.state = target
    return s
