"""Generate realistic historical dossiers in the migration import format (contract §8), one JSON object per line.

Pure Python (no Django), deterministic for a seed. The histories mix: online and counter/postal filings, direct
reception, supplement and payment pauses, supplement requested before reception, refusals, withdrawals and stops,
ineligible results, apologies with a new return date, early/on-time/late resolutions, dossiers still pending when
the file was made (events after `now` are cut off), legacy 9-digit ID numbers, organisations with tax codes,
old-format codes, limits given per record (`working_days`) and old-system appointments (`due_at`). The default
window (02/12/2024 – 30/06/2025) crosses Tết 2025 (27–31/01 off) and the make-up Saturday 26/04/2025; a share of
the dossiers is received on exactly those edges.

    python bench/gen_history.py 100000 -o /tmp/history.jsonl [--seed 7] [--agency 000.00.21.H26 ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from motcua.dossiers.people import FAMILY, GIVEN, MIDDLE

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

# Civil-servant calendar (rules §6.3), only what the generator needs to place office-hour events realistically.
DAYS_OFF = {
    dt.date(2024, 1, 1), dt.date(2024, 2, 8), dt.date(2024, 2, 9), dt.date(2024, 2, 12), dt.date(2024, 2, 13),
    dt.date(2024, 2, 14), dt.date(2024, 4, 18), dt.date(2024, 4, 29), dt.date(2024, 4, 30), dt.date(2024, 5, 1),
    dt.date(2024, 9, 2), dt.date(2024, 9, 3),
    dt.date(2025, 1, 1), dt.date(2025, 1, 27), dt.date(2025, 1, 28), dt.date(2025, 1, 29), dt.date(2025, 1, 30),
    dt.date(2025, 1, 31), dt.date(2025, 4, 7), dt.date(2025, 4, 30), dt.date(2025, 5, 1), dt.date(2025, 5, 2),
    dt.date(2025, 9, 1), dt.date(2025, 9, 2),
}  # fmt: skip
MAKEUP = {dt.date(2024, 5, 4), dt.date(2025, 4, 26)}
EDGE_DAYS = [dt.date(2025, 1, 24), dt.date(2025, 4, 25), dt.date(2025, 4, 26), dt.date(2025, 4, 29)]

COMPANY = ["Công ty TNHH Thương mại {}", "Công ty Cổ phần Đầu tư {}", "Hợp tác xã Nông nghiệp {}"]
PROVINCES = ["001", "002", "004", "008", "019", "022", "024", "031", "033", "036", "038", "040", "079", "092"]
OFFICERS = [
    "Nguyễn Thị Mai (Bộ phận Một cửa)",
    "Trần Văn Hùng (Bộ phận Một cửa)",
    "Lê Thu Trang (Bộ phận Một cửa)",
]
SPECIALISTS = ["Phạm Đức Anh (Phòng ĐKKD)", "Đỗ Ngọc Lan (Phòng ĐKKD)"]
LEADERS = ["Vũ Quang Huy (Lãnh đạo Sở)", "Hoàng Minh Tâm (Trưởng phòng)"]


def is_working_day(day: dt.date) -> bool:
    if day in MAKEUP:
        return True
    return day.weekday() < 5 and day not in DAYS_OFF


def add_workdays(day: dt.date, n: int) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def next_workday(day: dt.date) -> dt.date:
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)


def office_time(rng: random.Random, day: dt.date, *, latest: int = 16) -> dt.datetime:
    hour = rng.choice(
        [8, 9, 10, 11, 13, 14, 15, 16][: max(1, [8, 9, 10, 11, 13, 14, 15, 16].index(latest) + 1)]
    )
    return at(day, hour, rng.randrange(0, 60, 5))


def mst_check(digits9: str) -> str | None:
    weights = (31, 29, 23, 19, 17, 13, 7, 5, 3)
    check = 10 - sum(w * int(d) for w, d in zip(weights, digits9, strict=True)) % 11
    return None if check == 10 else str(check)


def applicant(rng: random.Random) -> dict:
    r = rng.random()
    if r < 0.15:
        while True:
            base = "0" + "".join(rng.choice("0123456789") for _ in range(8))
            check = mst_check(base)
            if check is not None:
                break
        return {"kind": "organization", "name": rng.choice(COMPANY).format(rng.choice(GIVEN) + " " + rng.choice(GIVEN)),
                "id_number": base + check}  # fmt: skip
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    if r < 0.20:
        return {
            "kind": "individual",
            "name": name,
            "id_number": "".join(rng.choice("0123456789") for _ in range(9)),
        }
    year = rng.randint(1950, 2005)
    century = (year // 100 - 19) * 2 + rng.randint(0, 1)
    number = f"{rng.choice(PROVINCES)}{century}{year % 100:02d}{rng.randrange(10**6):06d}"
    person = {"kind": "individual", "name": name, "id_number": number}
    if rng.random() < 0.3:
        person["phone"] = "09" + "".join(rng.choice("0123456789") for _ in range(8))
    if rng.random() < 0.2:
        person["address"] = f"Số {rng.randint(1, 200)} phố Bạch Mai, phường Bạch Mai, Hà Nội"
    return person


def _history(rng: random.Random, start: dt.date, channel: str) -> tuple[list[dict], dict]:
    """Events of one dossier (before cutting at `now`) and record-level extras."""
    ev: list[dict] = []
    extra: dict = {}

    def add(action: str, when: dt.datetime, **kw) -> dt.datetime:
        if ev:  # never before the previous event
            prev = dt.datetime.fromisoformat(ev[-1]["at"])
            if when <= prev:
                when = prev + dt.timedelta(minutes=rng.randint(5, 60))
        ev.append({"action": action, "at": when.isoformat(), **kw})
        return when

    scenario = rng.choices(
        ["standard", "supplement", "payment", "pre_supplement", "refused", "stopped", "ineligible", "apology",
         "withdraw_resolve"],
        weights=[52, 11, 5, 4, 6, 5, 4, 3, 1],
    )[0]  # fmt: skip
    if scenario == "apology":
        extra["no_short_limit"] = True
    # filing
    if channel == "online":
        filed = at(start, rng.randint(0, 23), rng.randrange(0, 60, 5))  # citizens file at any hour
        add("submit", filed)
        recv_day = next_workday(start if filed.hour < 15 else start + dt.timedelta(days=1))
        if scenario == "refused":
            if rng.random() < 0.4:
                t = add("request_supplement", office_time(rng, recv_day), reason="Thiếu giấy tờ, đề nghị bổ sung",
                        actor=rng.choice(OFFICERS))  # fmt: skip
                add("refuse", office_time(rng, add_workdays(t.date(), rng.randint(3, 6))),
                    reason="Quá hạn bổ sung, không đủ điều kiện tiếp nhận", actor=rng.choice(OFFICERS))  # fmt: skip
            else:
                add("refuse", office_time(rng, recv_day), reason="Hồ sơ không thuộc thẩm quyền",
                    actor=rng.choice(OFFICERS))  # fmt: skip
            return ev, extra
        if scenario == "pre_supplement":
            t = add("request_supplement", office_time(rng, recv_day, latest=11), reason="Bổ sung bản sao giấy tờ",
                    actor=rng.choice(OFFICERS))  # fmt: skip
            t = add("supplement", t + dt.timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 5)))
            recv_day = next_workday(t.date() + dt.timedelta(days=1))
        received = office_time(rng, recv_day)
    else:
        received = office_time(rng, next_workday(start))
        if rng.random() < 0.7:
            add("register", received - dt.timedelta(minutes=rng.randint(5, 30)), actor=rng.choice(OFFICERS))
    if scenario == "refused":
        scenario = "standard"
    received = t = add("receive", received, actor=rng.choice(OFFICERS))
    if scenario == "stopped":
        if rng.random() < 0.6:
            t = add("request_withdrawal", t + dt.timedelta(days=1), reason="Công dân xin rút hồ sơ")
        add("stop", office_time(rng, add_workdays(t.date(), 1)), reason="Dừng theo đề nghị của công dân",
            actor=rng.choice(LEADERS))  # fmt: skip
        return ev, extra
    if scenario == "apology":
        t = add("apologize", t + dt.timedelta(minutes=30), reason="Cần xác minh thêm tại địa phương",
                new_return_at=at(add_workdays(received.date(), 15), 16).isoformat(), actor=rng.choice(LEADERS))  # fmt: skip
    t = add("assign", t + dt.timedelta(minutes=rng.randint(10, 90)), actor=rng.choice(LEADERS),
            assignee=rng.choice(SPECIALISTS))  # fmt: skip
    if scenario == "supplement":
        t = add("request_supplement", office_time(rng, add_workdays(t.date(), rng.randint(0, 1)), latest=11),
                reason="Thiếu biên bản họp", items=[{"name": "Biên bản họp", "reason": "Chưa có chữ ký"}],
                actor=rng.choice(SPECIALISTS))  # fmt: skip
        t = add("supplement", t + dt.timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 6)))
    if scenario == "payment":
        t = add("request_payment", t + dt.timedelta(hours=2), amount=rng.choice([50000, 100000, 200000]),
                actor=rng.choice(SPECIALISTS))  # fmt: skip
        t = add("confirm_payment", t + dt.timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 20)),
                paid_reference=f"BL{rng.randrange(10**6):06d}")  # fmt: skip
    if scenario == "withdraw_resolve":
        t = add("request_withdrawal", t + dt.timedelta(hours=3), reason="Công dân xin rút hồ sơ")
    hand = office_time(rng, add_workdays(t.date(), 1))
    t = add("hand_over", max(hand, t + dt.timedelta(minutes=5)), actor=rng.choice(SPECIALISTS)) if (
        scenario != "withdraw_resolve") else t  # fmt: skip
    # resolution: early / around the due day / late (classification is the import's to compute)
    offset = rng.choices([1, 2, 3, 4, 6, 9], weights=[20, 30, 25, 10, 10, 5])[0]
    if scenario == "apology":
        offset = 8
    resolved = office_time(rng, add_workdays(received.date(), offset))
    resolved = max(resolved, t + dt.timedelta(minutes=30))
    outcome = "ineligible" if scenario == "ineligible" else "approved"
    t = add("resolve", resolved, outcome=outcome, actor=rng.choice(LEADERS),
            **({"result_number": f"{rng.randrange(10**5):05d}/ĐKKD"} if outcome == "approved" else {}))  # fmt: skip
    method = rng.choices(["counter", "post", "electronic"], weights=[60, 15, 25])[0]
    add("return_result", t + dt.timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 4)), method=method,
        actor=rng.choice(OFFICERS))  # fmt: skip
    return ev, extra


def generate(
    n: int,
    *,
    seed: int = 7,
    agencies: list[str] | None = None,
    procedures: list[str] | None = None,
    start: dt.date = dt.date(2024, 12, 2),
    end: dt.date = dt.date(2025, 6, 30),
    now: dt.datetime | None = None,
) -> Iterator[dict]:
    """Yield `n` records. Events later than `now` (default: 03/07/2025 12:00 local) are cut off, which leaves the
    most recent dossiers pending in whatever state they had reached."""
    rng = random.Random(seed)
    agencies = agencies or ["000.00.21.H26"]
    procedures = procedures or ["1.001612"]
    now = now or dt.datetime(2025, 7, 3, 12, 0, tzinfo=LOCAL)
    span = (end - start).days + 1
    counters: dict[tuple[str, str], int] = {}
    for i in range(n):
        day = rng.choice(EDGE_DAYS) if rng.random() < 0.04 else start + dt.timedelta(days=rng.randrange(span))
        channel = rng.choices(["online", "counter", "postal"], weights=[60, 35, 5])[0]
        events, extra = _history(rng, day, channel)
        events = [e for e in events if dt.datetime.fromisoformat(e["at"]) <= now]
        agency = agencies[i % len(agencies)]
        first_day = dt.datetime.fromisoformat(events[0]["at"]).astimezone(LOCAL).date()
        if rng.random() < 0.05:
            code = f"HS{first_day:%Y}-{i + 1:07d}"  # the old system's own format
        else:
            key = (agency, f"{first_day:%y%m%d}")
            counters[key] = counters.get(key, 0) + 1
            code = f"{agency}-{key[1]}-{counters[key]:04d}"
        rec = {
            "code": code,
            "procedure": procedures[i % len(procedures)],
            "agency": agency,
            "channel": channel,
            "applicant": applicant(rng),
        }
        r = rng.random()
        if r < 0.12 and not extra.get("no_short_limit"):
            rec["working_days"] = rng.choice([1, 2, 5, 10, 0.5, 15])
        elif r < 0.14 and any(e["action"] == "receive" for e in events):
            recv = dt.datetime.fromisoformat(next(e["at"] for e in events if e["action"] == "receive"))
            rec["due_at"] = at(add_workdays(recv.date(), 5), 17).isoformat()  # the old system's appointment
        rec["events"] = events
        yield rec


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, nargs="?", default=1000)
    parser.add_argument("-o", "--output", help="output file (default stdout)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--agency", action="append", help="agency identifier (repeatable)")
    parser.add_argument("--procedure", action="append", help="procedure code (repeatable)")
    args = parser.parse_args(argv)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    try:
        for rec in generate(args.n, seed=args.seed, agencies=args.agency, procedures=args.procedure):
            out.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
