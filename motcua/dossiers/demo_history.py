"""A year of realistic dossier history for the demo agencies (`motcua demo-history`), so that the overseers'
dashboards, rankings, the quarterly report and the Decision 766 index have something to show.

`motcua demo` loads a handful of dossiers; an office that has run for a year has thousands. This module writes that
year as the migration import's records (contract §8) and stores them through the import itself
(`migration_io.import_dossiers`): every history is replayed by the lifecycle engine, timed by the agencies'
calendars and counted by the statistics exactly as an agency's real history would be. Nothing is hand-placed in
the tables.

What the year looks like (deterministic for a seed; volumes per year at scale 1):
- the department (Sở) 2,400 dossiers, the district 900, each ward 60–180; each agency's own procedures (its
  offerings with a time limit), received on working days in office hours, online 35–75 % depending on the level,
  the rest at the counter (a twentieth by post);
- resolved early or on time as a well-run office does (about 98 % at the department; each ward its own rate between
  about 92 % and 100 %, so the ranking means something), a few late ones — half of them with an apology letter and
  a new return date sent in time —, supplement requests during processing (the clock paused), fees, withdrawals
  and stops, refusals at reception;
- results returned at the counter, by post or electronically; the most recent dossiers still in progress;
- about a quarter of the returned dossiers rated by their applicants through the rating service — by the receipt
  (the applicant's ID or tax number) or on a paper form an officer enters —, mostly satisfied, less so when late;
- about one dossier in a hundred (one late dossier in five) followed by a PAKN (phản ánh, kiến nghị) through the
  PAKN service, answered by an officer of the agency mostly within the time limit, a few late, a few refused, the
  latest still open. Their contacts are made up (`@example.com`), so only answers back-dated by more than
  MOTCUA_NOTIFY_MAX_EVENT_AGE_HOURS are recorded: those are not notified, as back-dated dossier events are not.

Codes are the contract's `<agency>-<YYMMDD>-<NNNN>`, numbered after what each agency's day already holds. The
records carry `"demo_history": <seed>` (kept by the import in `form_data.migrated_extra`): loading again finds them
and changes nothing. Not part of `make run`: an installation's statistics start from its own dossiers.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from stdnum.vn import mst

from motcua.catalog.models import Offering
from motcua.org.models import Agency

from . import migration_io
from .demo import DEPARTMENT, DISTRICT, LOCAL
from .models import DailySequence, Dossier
from .people import FAMILY, GIVEN, MIDDLE
from .services import AgencyCalendar

MARKER = "demo_history"

STREETS = ["Bạch Mai", "Minh Khai", "Lò Đúc", "Phố Huế", "Trần Khát Chân", "Đại Cồ Việt", "Kim Ngưu", "Thanh Nhàn",
           "Lê Thanh Nghị", "Tạ Quang Bửu", "Trương Định", "Vĩnh Tuy"]  # fmt: skip
COMPANY = [
    "Công ty TNHH Thương mại {}",
    "Công ty Cổ phần Đầu tư {}",
    "Công ty TNHH Dịch vụ {}",
    "Hợp tác xã {}",
]
# Provinces' codes in the personal ID (rules §9.1): Hà Nội and its neighbours mostly
PROVINCES = ["001", "001", "001", "001", "022", "024", "026", "030", "033", "034", "035", "036", "038", "040"]

# (dossiers per year at scale 1, share filed online, share resolved late) per level of agency
PROFILE = {"department": (2400, 0.75, 0.015), "district": (900, 0.5, 0.025)}
WARD_VOLUME = (60, 180)
WARD_LATE = (0.0, 0.08)
WARD_ONLINE = 0.35

SUPPLEMENT = 0.06  # asked to supplement during processing (the clock pauses)
PAYMENT = 0.04  # a fee to pay (the clock pauses)
STOPPED = 0.015  # withdrawn at the applicant's request, processing stopped
REFUSED = 0.02  # of online filings: refused at reception
RATED = 0.25  # of the returned dossiers: rated by the applicant
# satisfaction levels (4 Rất hài lòng … 1 Không hài lòng) and their weights, by the dossier's classification
RATING_LEVELS = {"late": (0.15, 0.35, 0.3, 0.2), "": (0.62, 0.32, 0.05, 0.01)}
RATED_CRITERIA = ("chat-luong-chung", "dung-han", "thai-do-can-bo", "mot-cua")


@dataclass(frozen=True)
class AgencyPlan:
    agency: Agency
    calendar: AgencyCalendar
    procedures: list[tuple[str, Decimal]]  # (code, limit in working hours)
    per_year: int
    online: float
    late: float
    officer: str
    specialist: str
    leader: str


def already_loaded() -> bool:
    return Dossier.objects.filter(form_data__migrated_extra__has_key=MARKER).exists()


def plans(rng: random.Random) -> list[AgencyPlan]:
    """The demo agencies that offer procedures with a time limit, each with its volume and quality."""
    out = []
    agencies = Agency.objects.filter(active=True, offerings__isnull=False).distinct().order_by("path")
    for agency in agencies:
        procedures = []
        for offering in (
            Offering.objects.filter(agency=agency).select_related("procedure").order_by("procedure__code")
        ):
            version = offering.procedure.current_version()
            hours = version.limit_hours(offering.registered_days) if version is not None else None
            if hours:  # a same-day or unlimited procedure would need its own rules of thumb: left out
                procedures.append((offering.procedure.code, Decimal(hours)))
        if not procedures:
            continue
        if agency.identifier in (DEPARTMENT, DISTRICT):
            per_year, online, late = PROFILE["department" if agency.identifier == DEPARTMENT else "district"]
        else:
            per_year, online, late = rng.randint(*WARD_VOLUME), WARD_ONLINE, rng.uniform(*WARD_LATE)
        short = agency.name.replace("Ủy ban nhân dân", "UBND")
        out.append(
            AgencyPlan(
                agency=agency,
                calendar=AgencyCalendar(agency),
                procedures=procedures,
                per_year=per_year,
                online=online,
                late=late,
                officer=f"Công chức Bộ phận Một cửa — {short}",
                specialist=f"Chuyên viên thụ lý — {short}",
                leader=f"Lãnh đạo — {short}",
            )
        )
    return out


def _personal_id(rng: random.Random, birth_year: int, female: bool) -> str:
    century = (birth_year // 100 - 19) * 2 + int(female)
    return f"{rng.choice(PROVINCES)}{century}{birth_year % 100:02d}{rng.randrange(10**6):06d}"


def _tax_code(rng: random.Random) -> str:
    """A 10-digit enterprise code of Hà Nội (01…) with its check digit (python-stdnum's vn.mst)."""
    while True:
        base = "01" + "".join(rng.choice("0123456789") for _ in range(7))
        code = base + mst.calc_check_digit(base)
        if mst.is_valid(code):  # no check digit for some bases (the remainder gives 10)
            return code


def _applicant(rng: random.Random, organisations: float) -> dict:
    address = f"Số {rng.randint(1, 199)} phố {rng.choice(STREETS)}, quận Hai Bà Trưng, Hà Nội"
    phone = "09" + "".join(rng.choice("0123456789") for _ in range(8))
    if rng.random() < organisations:
        name = rng.choice(COMPANY).format(f"{rng.choice(GIVEN)} {rng.choice(GIVEN)}")
        return {"kind": "organization", "name": name, "id_number": _tax_code(rng), "address": address,
                "phone": phone}  # fmt: skip
    female = rng.random() < 0.5
    middle = "Thị" if female and rng.random() < 0.7 else rng.choice([m for m in MIDDLE if m != "Thị"])
    year = rng.randint(1955, 2004)
    return {"kind": "individual", "name": f"{rng.choice(FAMILY)} {middle} {rng.choice(GIVEN)}",
            "id_number": _personal_id(rng, year, female), "birth_year": year, "address": address,
            "phone": phone}  # fmt: skip


def _office_instant(rng: random.Random, day: dt.date, *, before: int = 17) -> dt.datetime:
    """A moment in the default office hours of `day` (08:00–12:00, 13:00–`before`:00)."""
    minute = rng.randrange(0, (4 + before - 13) * 60)
    hour, minute = divmod(minute, 60)
    hour += 8 if hour < 4 else 9  # 08–11, then 13–
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)


def _at_office(cal, at: dt.datetime, rng: random.Random) -> dt.datetime:
    """`at` when it is office time of a working day, else a few minutes into the office's next working period:
    staff act in office hours (a hand-over at 02:00 on a Sunday in the control slip would be read as a fault).
    The applicant's own actions (filing online, a supplement, a rating by the receipt) keep their time."""
    if cal.is_office_time(at):
        return at
    start = cal.compute_deadline(at, hours=Decimal(0)).counting_starts_at
    return start + dt.timedelta(minutes=rng.randint(5, 40))


class _History:
    def __init__(self) -> None:
        self.events: list[dict] = []

    def add(self, action: str, at: dt.datetime, **data) -> dt.datetime:
        if self.events and at <= self.last:  # one action after another, never two at the same instant
            at = self.last + dt.timedelta(minutes=1)
        self.events.append({"action": action, "at": at, **data})
        return at

    @property
    def last(self) -> dt.datetime:
        return self.events[-1]["at"]


def _history(rng: random.Random, plan: AgencyPlan, day: dt.date, limit: Decimal, online: bool) -> list[dict]:
    cal = plan.calendar
    h = _History()
    if online:
        filed = dt.datetime(day.year, day.month, day.day, rng.randint(6, 22), rng.randrange(60), tzinfo=LOCAL)
        h.add("submit", filed)
        start = cal.compute_deadline(
            filed, hours=Decimal(0)
        ).counting_starts_at  # the officer's next office time
        received = _at_office(cal, max(filed, start) + dt.timedelta(minutes=rng.randint(10, 150)), rng)
        if rng.random() < REFUSED:
            h.add(
                "refuse",
                received,
                actor=plan.officer,
                reason="Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan",
            )
            return h.events
    else:
        registered = _office_instant(rng, day, before=16)
        h.add("register", registered, actor=plan.officer)
        received = _at_office(cal, registered + dt.timedelta(minutes=rng.randint(3, 20)), rng)
    received = h.add("receive", received, actor=plan.officer)
    due = cal.compute_deadline(received, hours=limit)
    counting = due.counting_starts_at
    h.add("assign", _at_office(cal, received + dt.timedelta(minutes=rng.randint(15, 90)), rng),
          actor=plan.leader, assignee=plan.specialist)  # fmt: skip
    if rng.random() < STOPPED:
        asked = h.add("request_withdrawal", cal.add_working_hours(counting, limit * Decimal("0.2")),
                      reason="Công dân xin rút hồ sơ")  # fmt: skip
        h.add("stop", _at_office(cal, asked + dt.timedelta(hours=rng.randint(1, 20)), rng), actor=plan.leader,
              reason="Dừng xử lý theo đề nghị rút hồ sơ của công dân")  # fmt: skip
        return h.events
    late = rng.random() < plan.late
    paused = Decimal(0)  # working hours the clock stood still: the due instant moves by as much
    if not late and rng.random() < SUPPLEMENT:
        asked = h.add(
            "request_supplement",
            cal.add_working_hours(counting, limit * Decimal("0.3")),
            actor=plan.specialist,
            reason="Hồ sơ cần bổ sung, hoàn thiện",
            items=[
                {"name": "Bản sao giấy tờ chứng minh", "reason": "Bản chụp không rõ, đề nghị nộp bản sao"}
            ],
        )
        back = h.add("supplement", asked + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8)))
        paused += Decimal(str(cal.working_hours_between(asked, back)))
    if not late and rng.random() < PAYMENT:
        asked = h.add("request_payment", _at_office(cal, h.last + dt.timedelta(hours=1), rng),
                      actor=plan.specialist,
                      amount=rng.choice([50000, 100000, 150000, 300000]), reason="Lệ phí")  # fmt: skip
        paid = h.add("confirm_payment", _at_office(cal, asked + dt.timedelta(hours=rng.randint(2, 40)), rng),
                     paid_reference=f"BL{rng.randrange(10**7):07d}")  # fmt: skip
        paused += Decimal(str(cal.working_hours_between(asked, paid)))
    if late:
        resolved = cal.add_working_hours(due.due_at, Decimal(rng.choice([2, 4, 8, 12, 16, 24])))
        if limit >= 24 and rng.random() < 0.5:  # the apology letter, sent in time, with the new date
            h.add("apologize", cal.add_working_hours(counting, limit - 12), actor=plan.leader,
                  reason="Cần xác minh thêm thông tin với cơ quan liên quan",
                  new_return_at=(resolved + dt.timedelta(hours=2)).isoformat())  # fmt: skip
    elif rng.random() < 0.3:  # on the due day, before the appointment
        resolved = due.due_at - dt.timedelta(minutes=rng.randint(20, 200))
        if not cal.is_office_time(resolved):  # before the office opened on the due day
            resolved = due.due_at - dt.timedelta(minutes=1)
    else:  # early: a share of the limit (the clock's pauses come on top)
        resolved = cal.add_working_hours(counting, limit * Decimal(str(rng.uniform(0.25, 0.8))))
    if paused:
        resolved = cal.add_working_hours(resolved, paused)
    handed = cal.add_working_hours(h.last, Decimal(1))
    if handed < resolved:
        h.add("hand_over", handed, actor=plan.specialist)
    resolved = h.add("resolve", max(resolved, _at_office(cal, h.last + dt.timedelta(minutes=30), rng)),
                     actor=plan.leader,
                     outcome="approved" if rng.random() < 0.985 else "ineligible")  # fmt: skip
    method = rng.choices(["counter", "post", "electronic"], weights=[55, 15, 30])[0]
    h.add(
        "return_result",
        _at_office(cal, resolved + dt.timedelta(hours=rng.randint(1, 60)), rng),
        actor=plan.officer,
        method=method,
    )
    return h.events


def records(*, now: dt.datetime, months: int = 12, scale: float = 1.0, seed: int = 7) -> Iterator[dict]:
    """The year's records, in the order they were registered; events after `now` are not there yet."""
    rng = random.Random(seed)
    today = now.astimezone(LOCAL).date()
    first = today - dt.timedelta(days=round(months * 30.44))
    for plan in plans(rng):
        days = [first + dt.timedelta(n) for n in range((today - first).days) if plan.calendar.is_working_day(
            first + dt.timedelta(n))]  # fmt: skip
        count = round(plan.per_year * scale * months / 12)
        chosen = sorted(rng.choice(days) for _ in range(count))
        numbers = dict(
            DailySequence.objects.filter(agency=plan.agency, day__gte=first).values_list("day", "last")
        )
        for day in chosen:
            code, limit = rng.choice(plan.procedures)
            online = rng.random() < plan.online
            channel = "online" if online else ("postal" if rng.random() < 0.05 else "counter")
            events = [e for e in _history(rng, plan, day, limit, online) if e["at"] <= now]
            if not events:
                continue
            registered_on = events[0]["at"].astimezone(LOCAL).date()
            numbers[registered_on] = numbers.get(registered_on, 0) + 1
            organisations = 0.3 if plan.agency.identifier == DEPARTMENT else 0.05
            returned = [e["method"] for e in events if e["action"] == "return_result"]
            yield {
                "code": f"{plan.agency.identifier}-{registered_on:%y%m%d}-{numbers[registered_on]:04d}",
                "procedure": code,
                "agency": plan.agency.identifier,
                "channel": channel,
                "applicant": _applicant(rng, organisations),
                "result_method": returned[0]
                if returned
                else rng.choice(["counter", "counter", "electronic"]),
                "events": [{**e, "at": e["at"].isoformat()} for e in events],
                MARKER: seed,
            }


def load(*, stdout, now: dt.datetime | None = None, months: int = 12, scale: float = 1.0, seed: int = 7,
         dry_run: bool = False) -> migration_io.ImportResult | None:  # fmt: skip
    """Write the history through the migration import (all or nothing). None when it is already there."""
    if already_loaded():
        stdout.write(
            "Lịch sử demo đã có: không nạp lại. / The demo history is already loaded: nothing to do."
        )
        return None
    now = now or timezone.now()
    lines = io.StringIO()
    for rec in records(now=now, months=months, scale=scale, seed=seed):
        lines.write(json.dumps(rec, ensure_ascii=False) + "\n")
    lines.seek(0)
    result = migration_io.import_dossiers(
        lines, dry_run=dry_run, now=now, on_problem=lambda p: stdout.write(str(p))
    )
    for line in result.summary_lines():
        stdout.write(line)
    if result.ok and not dry_run:
        rated = rate(now=now, seed=seed)
        stdout.write(f"Đánh giá hài lòng: {rated} hồ sơ. / Satisfaction ratings: {rated} dossiers.")
        sent = pakn(now=now, seed=seed)
        stdout.write(f"Phản ánh, kiến nghị: {sent}. / Feedback (PAKN): {sent}.")
    return result


PAKN = 0.01  # of the returned dossiers: followed by a PAKN (five times as often when late)
PAKN_TOPICS = [  # (kind, title, content, answer), about the dossier's handling or its procedure
    (
        "recommendation",
        "Đề nghị niêm yết rõ hơn thành phần hồ sơ",
        "Tôi phải bổ sung giấy tờ vì bản niêm yết tại quầy không ghi rõ cần bản sao có chứng thực. Đề nghị niêm yết "
        "rõ hơn để người dân chuẩn bị đủ ngay từ đầu.",
        "Cơ quan đã cập nhật bảng niêm yết tại Bộ phận Một cửa và trên Cổng dịch vụ công, ghi rõ loại bản sao.",
    ),
    (
        "recommendation",
        "Đề nghị cho thanh toán phí, lệ phí trực tuyến",
        "Đề nghị cơ quan cho phép nộp phí, lệ phí qua chuyển khoản hoặc ví điện tử để không phải đến quầy.",
        "Cơ quan đã triển khai thanh toán trực tuyến qua Cổng dịch vụ công; Ông/Bà có thể chọn khi nộp hồ sơ.",
    ),
    (
        "reflection",
        "Thời gian chờ tại quầy lâu",
        "Buổi sáng đông người, tôi chờ gần một giờ mới đến lượt. Đề nghị bố trí thêm cán bộ vào giờ cao điểm.",
        "Bộ phận Một cửa đã bố trí thêm một cán bộ tiếp nhận vào các buổi sáng thứ Hai và thứ Sáu.",
    ),
    (
        "reflection",
        "Cán bộ hướng dẫn nhiệt tình",
        "Cán bộ tiếp nhận hướng dẫn rất tận tình, tôi chỉ đi một lần là xong. Xin cảm ơn.",
        "Cơ quan ghi nhận và cảm ơn ý kiến của Ông/Bà.",
    ),
]
PAKN_LATE = ("reflection", "Trả kết quả chậm so với giấy hẹn",
             "Hồ sơ của tôi trả kết quả chậm hơn ngày hẹn trên giấy tiếp nhận. Đề nghị cơ quan xem xét, trả lời.",
             "Cơ quan xin lỗi Ông/Bà vì chậm trả kết quả; đã kiểm điểm bộ phận liên quan và chấn chỉnh quy trình.")  # fmt: skip
PAKN_REJECT = (
    "Nội dung không thuộc thẩm quyền giải quyết của cơ quan; đề nghị Ông/Bà gửi đến cơ quan có thẩm quyền."
)


def pakn(*, now: dt.datetime, seed: int) -> int:
    """PAKN about a share of the history's returned dossiers, sent within two weeks of the return through the PAKN
    service and handled there by a one-stop officer of the agency: answered (most within the ten working days,
    some late; half of the answers made public), a few refused, the latest left open. Returns how many."""
    from motcua.feedback import services as feedback
    from motcua.notifications.signals import is_news_at
    from motcua.org.models import Role

    rng = random.Random(seed * 104729 + 3)
    officers = _officers(Role.OFFICER)
    calendar_of = _calendars()
    returned = _returned(seed, "applicant_name")
    count = 0
    for code, agency_id, name, classification, returned_at in returned:
        late = classification == "late"
        officer = officers.get(agency_id)
        if officer is None or rng.random() >= PAKN * (5 if late else 1):
            continue
        at = _office_instant(
            rng, timezone.localtime(returned_at + dt.timedelta(days=rng.randint(1, 14))).date()
        )
        if at >= now:
            continue
        kind, title, content, answer = PAKN_LATE if late else rng.choice(PAKN_TOPICS)
        n = count + 1
        fb = feedback.feedback_submit(
            kind=kind,
            subject="dossier",
            title=title,
            content=content,
            dossier_code=code,
            contact={
                "name": name,
                "phone": f"09{rng.randrange(10**8):08d}",
                "email": f"nguoidan{n}@example.com",
            },
            at=at,
        )
        count += 1
        cal = calendar_of(agency_id)
        handled = _at_office(
            cal,
            at
            + dt.timedelta(
                days=rng.choice((1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 16)), hours=rng.randint(0, 6)
            ),
            rng,
        )
        # still being handled — and so is what would be sent as news to the made-up contacts (is_news_at)
        if handled >= now or is_news_at(handled):
            if rng.random() < 0.5:
                taken = _at_office(cal, at + dt.timedelta(hours=2), rng)
                if taken < now:
                    feedback.feedback_start(reference=fb.reference, user=officer, at=taken)
            continue
        if rng.random() < 0.05:
            feedback.feedback_reject(reference=fb.reference, user=officer, reason=PAKN_REJECT, at=handled)
            continue
        public = rng.random() < 0.5
        feedback.feedback_answer(
            reference=fb.reference,
            user=officer,
            answer=answer,
            public=public,
            public_content=f"{title}. {content}" if public else "",
            at=handled,
        )
    return count


def _returned(seed: int, applicant: str):
    """(code, agency id, the applicant's `applicant` column, classification, returned_at) of the history's
    returned dossiers, in code order."""
    return (
        Dossier.objects.filter(form_data__migrated_extra__demo_history=seed, state="returned")
        .order_by("code")
        .values_list("code", "agency_id", applicant, "classification", "returned_at")
    )


def _calendars():
    """agency id -> its working calendar (AgencyCalendar), built once per agency."""
    from functools import cache

    @cache
    def calendar_of(agency_id: int):
        return AgencyCalendar(Agency.objects.get(pk=agency_id))

    return calendar_of


def _officers(role: str) -> dict:
    """Per agency (id), its first active user (by username) holding `role`."""
    from django.contrib.auth import get_user_model

    from motcua.org.models import StaffRole

    first = {}
    for agency_id, user in (
        StaffRole.objects.filter(role=role, active=True, user__is_active=True)
        .order_by("user__username")
        .values_list("agency_id", "user")
    ):
        first.setdefault(agency_id, user)
    users = get_user_model().objects.in_bulk(set(first.values()))
    return {agency_id: users[user] for agency_id, user in first.items()}


def rate(*, now: dt.datetime, seed: int) -> int:
    """Ratings of a share of the history's returned dossiers, given within two days of the return (never after
    `now`) through the rating service: by the receipt, or on a paper form that a one-stop officer of the agency
    enters. Returns how many."""
    from django.contrib.auth.models import AnonymousUser

    from motcua.feedback.services import rating_create
    from motcua.org.models import Role

    rng = random.Random(seed * 7919 + 1)
    officers = _officers(Role.OFFICER)
    calendar_of = _calendars()
    returned = _returned(seed, "applicant_id_number")
    count = 0
    for code, agency_id, id_number, classification, returned_at in returned:
        if rng.random() >= RATED:
            continue
        at = returned_at + dt.timedelta(minutes=rng.randint(5, 48 * 60))
        if at > now:
            continue
        weights = RATING_LEVELS["late" if classification == "late" else ""]
        overall = rng.choices((4, 3, 2, 1), weights=weights)[0]
        scores = {c: max(1, min(4, overall + rng.choice((-1, 0, 0, 0, 1)))) for c in RATED_CRITERIA
                  if rng.random() < 0.6}  # fmt: skip
        officer = officers.get(agency_id)
        counter = officer is not None and (not id_number or rng.random() < 0.4)
        if not counter and not id_number:
            continue
        if counter:  # the paper form is entered by the officer, in office hours
            at = _at_office(calendar_of(agency_id), at, rng)
            if at > now:
                continue
        rating_create(
            user=officer if counter else AnonymousUser(),
            dossier_code=code,
            overall=overall,
            scores=scores,
            id_number=None if counter else id_number,
            counter=counter,
            at=at,
        )
        count += 1
    return count
