"""Migration import and export of dossier histories (contract §8): JSON Lines, one dossier per line.

Import (`motcua import-dossiers <file.jsonl> [--dry-run] [--jobs N]`), all or nothing, memory bounded:
- ONE streamed pass inside ONE transaction. Every line is parsed and its whole history replayed through the
  lifecycle engine (`lifecycle.apply` with `services.AgencyCalendar` — the rule set native actions use); valid
  records are written in batches of 2,000 as they come (COPY on PostgreSQL, bulk_create elsewhere). At the first
  bad line writing stops; validation continues so that every bad line is reported (number, Vietnamese and English
  reason); the transaction is then rolled back. That is "validate everything, then store everything" without
  reading and replaying the file twice. `--dry-run` never writes. A crash or a kill leaves the database as it was.
- Kept in memory: the set of codes seen (duplicates in the file), one batch, a window of chunks in flight.
- On PostgreSQL, forked worker processes (`--jobs`, default one per CPU, at most 4) parse, replay, hash and format
  the COPY rows; this process checks codes against the database, writes and reports, in file order.
- A code already stored is skipped when the stored dossier is identical (same event chain hash and columns, or,
  compared in full, same events and timings — e.g. a native dossier exported and imported back); otherwise the
  line is a conflict. So importing the same file twice changes nothing — also after dossiers imported pending
  were handled here: a stored history that begins with exactly the record's (the chain hash at the record's last
  event) and the same applicant, agency, procedure and channel is skipped too (noted in the summary).

Record format (contract §8) — keys beyond the contract's are optional:
    code, procedure, agency, channel, applicant{kind, name, id_number, address, phone, email, birth_year},
    working_days (the limit applied), due_at (the final appointment the old system gave, pauses included),
    events[{action, at, outcome, method, new_return_at, reason, actor, file_hashes, ...extra keys}],
    result_method, representative, form_data.
Unknown top-level keys are kept in form_data["migrated_extra"] (and counted in the summary); unknown event keys
are kept in the event's data.

Rules worth knowing:
- Datetimes are ISO 8601. A datetime without an offset is read as local time (+07:00, Asia/Ho_Chi_Minh).
  No instant may be before 01/01/1990 or after the moment the import starts (due_at / new_return_at may be in
  the future: they are appointments).
- The limit: `working_days` × 8 working hours if given, else the procedure version in force at the first event's
  date (registered limit — the agency's own, else the version's —, else legal; the earliest version when the
  catalogue starts later). Without a limit and
  without `due_at`, a received dossier is a bad line. With `due_at` but no limit, the limit stored is the office
  time between counting start and due_at.
- `due_at` given: if replaying the history gives the same final due instant, the replayed timings are stored as
  they are (so an export re-imports identically, initial due included); otherwise the old system's appointment
  stands (`fixed_due`: pauses already included) and classification follows it.
- The first event is `submit` (channel online), `register` (counter/postal) or `receive`; transitions, order of
  instants, outcome/method/new_return_at and the apology rules are the lifecycle's. `reason` is optional (old
  systems did not always keep one). A `due_at` on a dossier that was never received is ignored (noted).
- Imported dossiers get no internal-process steps (the old system's steps are in the event history).
- Imported events keep their instants; `actor` (free text) is stored as actor_name; each event's hash is the one
  services.event_hash gives (as services.record_event stores it): the import assembles the same canonical JSON
  text from parts encoded once (`_event_hash`, tested byte-identical), so `motcua verify-history` checks them too.
- After storing, DailySequence(agency, day) is raised to the highest imported sequence of codes in the contract §3
  format, so native codes registered later that day never collide.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import multiprocessing
import os
import re
import time
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO

from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from motcua.catalog.models import Offering, Procedure, ProcedureVersion
from motcua.core import strictjson
from motcua.core.errors import DomainError
from motcua.core.text import (
    BadCharacters,
    bad_char,
    check_chars,
    check_json_chars,
    fold,
    identifier_form,
    nfc,
)
from motcua.org.models import Agency

from . import lifecycle, services
from .models import DailySequence, Dossier, DossierEvent
from .workflow import TRANSITIONS

LOCAL = lifecycle.LOCAL
# In UTC, like the parsed instants: comparing datetimes with the same tzinfo needs no offset computation.
EARLIEST = dt.datetime(1990, 1, 1, tzinfo=LOCAL).astimezone(dt.UTC)
LATEST_APPOINTMENT = dt.datetime(2100, 1, 1, tzinfo=LOCAL).astimezone(dt.UTC)
BATCH = 2000
CENT = Decimal("0.01")
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# services.event_hash's encoder, built once: sorted keys, no ASCII escaping, compact, its datetime/Decimal default.
_canonical_encoder = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, default=services._json_default, separators=(",", ":")
)
if json.encoder.c_make_encoder is not None:
    # The C encoder JSONEncoder.encode builds on every call, built once (no cycle check: parsed JSON and the
    # lifecycle's values have no cycles); the same text, half the cost per event.
    _c_canonical = json.encoder.c_make_encoder(
        None, services._json_default, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )

    def _canonical(value) -> str:
        return "".join(_c_canonical(value, 0))

else:  # pragma: no cover - CPython always has the C accelerator
    _canonical = _canonical_encoder.encode
_json_str = json.encoder.encode_basestring  # how that encoder writes a string (ensure_ascii=False)
MAX_CODE = 80

RECORD_KEYS = {
    "code",
    "procedure",
    "agency",
    "channel",
    "applicant",
    "working_days",
    "due_at",
    "events",
    "result_method",
    "representative",
    "form_data",
}
# checked on their own (parsed, looked up, or through services._clean_applicant); the others are kept as they came
_CHECKED_KEYS = RECORD_KEYS - {"representative", "form_data"}
APPLICANT_KEYS = {"kind", "name", "id_number", "address", "phone", "email", "birth_year"}
EVENT_KEYS = {"action", "at", "outcome", "method", "new_return_at", "reason", "actor", "file_hashes"}
PARAM_KEYS = ("outcome", "method", "new_return_at")
# Event data the system derives itself (from the record or the replay): not exported, not compared.
DERIVED_KEYS = {
    "channel",
    "procedure",
    "procedure_version",
    "counting_starts_at",
    "due_at",
    "limit_hours",
    "paused_hours_total",
    "fixed_due",
}
CHANNELS = {"online", "counter", "postal"}
RESULT_METHODS = {"counter", "post", "electronic"}
CODE_RE = re.compile(r"^[^\s\x00-\x1f\x7f]+$")
CONTRACT_CODE_RE = re.compile(r"^(?P<agency>[0-9A-Z]+(?:\.[0-9A-Z]+)*)-(?P<day>\d{6})-(?P<seq>\d{4,})$")
COMPARED_FIELDS = (
    "agency_id",
    "procedure_id",
    "channel",
    "applicant_kind",
    "applicant_name",
    "applicant_id_number",
    "applicant_address",
    "applicant_phone",
    "applicant_email",
    "result_method",
) + services.TIMING_FIELDS
# clock_changed_at is derived from the events (their times are compared), and dossiers imported before it
# existed got it from a backfill that may name a later instant (dossiers.0007): not a difference of content.
COMPARED_FIELDS = tuple(f for f in COMPARED_FIELDS if f != "clock_changed_at")
# What a dossier handled here after its import keeps from the record (its timings and state move on).
IDENTITY_FIELDS = tuple(
    f for f in COMPARED_FIELDS if f not in services.TIMING_FIELDS and f != "result_method"
)
CONTINUED = "already present, handled here since (skipped) / đã có, đã được xử lý tiếp tại đây (bỏ qua)"


class BadRecord(Exception):
    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en

    def __reduce__(self):  # travels back from worker processes
        return (BadRecord, (self.message, self.message_en))


@contextmanager
def _refused_characters():
    """A value holding a control or hiding character (core.text.bad_char) makes the line a bad record, with the
    check's message (BadRecord travels back from the worker processes; BadCharacters does not pickle)."""
    try:
        yield
    except BadCharacters as exc:
        raise BadRecord(exc.message, exc.message_en) from None


@dataclass
class Problem:
    line: int
    code: str
    message: str
    message_en: str

    def __str__(self) -> str:
        where = f"Dòng {self.line}" + (f" ({self.code})" if self.code else "")
        return f"{where}: {self.message} | Line {self.line}: {self.message_en}"


@dataclass
class Prepared:
    """One validated record: the dossier's column values (attribute names) and its event rows, hashes included."""

    line: int
    fields: dict
    events: list[dict]
    sequence: tuple[int, dt.date, int] | None  # (agency id, day, seq) for codes in the contract §3 format
    extra_keys: tuple = ()
    warnings: tuple = ()

    @property
    def code(self) -> str:
        return self.fields["code"]

    @property
    def last_event_hash(self) -> str:
        return self.fields["last_event_hash"]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.fields)

    @property
    def state(self) -> str:
        return self.fields["state"]

    @property
    def received_year(self):
        rec = self.fields["received_at"]
        return rec.astimezone(LOCAL).year if rec else "-"

    @property
    def n_events(self) -> int:
        return len(self.events)


@dataclass(slots=True)
class Ready:
    """A validated record as the PostgreSQL writer needs it: COPY text (the dossier row without its id, the event
    rows without their dossier id, newline separated), plus what the checks and the summary read. Cheap to pass
    from a worker process (slots: pickled as a list of values). The writer's process sets `text` (the line) from
    its own copy, so that the rare record whose code is already stored can be prepared again and compared in full;
    the compared columns are read back from `dossier_row` then (see _CopyPlan.fingerprint)."""

    line: int
    code: str
    last_event_hash: str
    state: str
    received_year: object
    sequence: tuple | None
    extra_keys: tuple
    warnings: tuple
    dossier_row: str
    event_rows: str
    n_events: int
    text: str = ""


@dataclass
class ImportResult:
    records: int = 0
    created: int = 0
    would_create: int = 0  # new records found while nothing is written (a dry run, or after a bad line)
    skipped: int = 0  # identical dossier already present
    bad: int = 0
    problems: list[Problem] = field(default_factory=list)  # the first MAX_KEPT problems
    by_state: Counter = field(default_factory=Counter)
    by_year: Counter = field(default_factory=Counter)
    warnings: Counter = field(default_factory=Counter)
    events: int = 0
    dry_run: bool = False
    seconds: float = 0.0

    MAX_KEPT = 1000

    @property
    def ok(self) -> bool:
        return self.bad == 0

    def summary_lines(self) -> list[str]:
        head = "Kiểm tra (không ghi)" if self.dry_run else "Nhập hồ sơ"
        rate = self.records / self.seconds if self.seconds else 0
        if self.dry_run:  # nothing is written: say what an import would do
            vi = f"sẽ tạo {self.would_create}, sẽ bỏ qua (đã có, trùng khớp) {self.skipped}"
            en = f"{self.would_create} would be created, {self.skipped} would be skipped (identical, already present)"
        else:
            vi = f"tạo mới {self.created}, bỏ qua (đã có, trùng khớp) {self.skipped}"
            en = f"{self.created} created, {self.skipped} skipped (identical, already present)"
        out = [
            f"{head}: {self.records} bản ghi, {self.bad} lỗi; {vi}; {self.events} sự kiện; {self.seconds:.1f} s "
            f"({rate:.0f} bản ghi/s)",
            f"{'Dry run' if self.dry_run else 'Import'}: {self.records} records, {self.bad} bad; {en}; "
            f"{self.events} events",
        ]
        if self.by_state:
            out.append(
                "Theo trạng thái / by state: "
                + ", ".join(f"{k}={v}" for k, v in sorted(self.by_state.items()))
            )
        if self.by_year:
            out.append(
                "Theo năm tiếp nhận / by year of reception: "
                + ", ".join(f"{k}={v}" for k, v in sorted(self.by_year.items(), key=lambda kv: str(kv[0])))
            )
        for w, n in sorted(self.warnings.items()):
            out.append(f"Lưu ý / note: {w} ×{n}")
        return out


# --- parsing helpers -------------------------------------------------------------------------------------------


_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})(?::?\d{2}(?:\.\d+)?)?$")


def _instant(value, name: str, *, now: dt.datetime, future_ok: bool = False) -> dt.datetime:
    if not isinstance(value, str) or not value.strip():
        raise BadRecord(
            f"Thiếu thời điểm '{name}' (ISO 8601, ví dụ 2023-01-03T09:12:00+07:00).",
            f"Missing '{name}' (ISO 8601, e.g. 2023-01-03T09:12:00+07:00).",
        )
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        if not str(exc).startswith("Invalid isoformat"):  # the form is right, the day or hour does not exist
            raise BadRecord(
                f"Thời điểm '{name}' = '{value}' không tồn tại (ngày, tháng hoặc giờ vượt quá giới hạn, ví dụ 31/02).",
                f"'{name}' = '{value}' does not exist (day, month or hour out of range, e.g. 31 February).",
            ) from None
        raise BadRecord(
            f"Thời điểm '{name}' = '{value}' không đúng định dạng ISO 8601.",
            f"'{name}' = '{value}' is not an ISO 8601 datetime.",
        ) from None
    offset = _OFFSET.search(value.strip().partition("T")[2])
    if offset and (int(offset[2]) > 14 or int(offset[3]) > 59):  # Python reads +09:99 as +10:39
        raise BadRecord(
            f"Thời điểm '{name}' = '{value}' có độ lệch múi giờ không hợp lệ (từ -14:00 đến +14:00, phút dưới 60).",
            f"'{name}' = '{value}' has an invalid UTC offset (from -14:00 to +14:00, minutes below 60).",
        )
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=LOCAL)  # naive = local time (+07:00)
    try:  # the same instant; one shared tzinfo (cheap to pass between processes)
        parsed = parsed.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01T00:00+07:00 or 9999-12-31T23:00-05:00: no such instant in UTC
        raise BadRecord(
            f"Thời điểm '{name}' = '{value}' nằm ngoài khoảng thời gian cho phép.",
            f"'{name}' = '{value}' is out of the range of dates accepted.",
        ) from None
    if parsed < EARLIEST:
        raise BadRecord(
            f"Thời điểm '{name}' = '{value}' trước năm 1990: không hợp lý.",
            f"'{name}' = '{value}' is before 1990: not plausible.",
        )
    if not future_ok and parsed > now:
        raise BadRecord(
            f"Thời điểm '{name}' = '{value}' ở tương lai.",
            f"'{name}' = '{value}' is in the future.",
        )
    if future_ok and parsed >= LATEST_APPOINTMENT:
        raise BadRecord(
            f"Thời điểm '{name}' = '{value}' quá xa trong tương lai.",
            f"'{name}' = '{value}' is too far in the future.",
        )
    return parsed


def _text(value, name: str, *, required: bool = True, max_len: int = 255, lines: bool = False) -> str:
    if value is None or value == "":
        if required:
            raise BadRecord(f"Thiếu '{name}'.", f"Missing '{name}'.")
        return ""
    if not isinstance(value, str):
        raise BadRecord(f"'{name}' phải là chuỗi ký tự.", f"'{name}' must be a string.")
    with _refused_characters():
        check_chars(value, f"'{name}'", lines=lines)
    value = _nfc(value) if len(value) <= 255 else nfc(value)
    if len(value) > max_len:
        raise BadRecord(
            f"'{name}' dài quá {max_len} ký tự.", f"'{name}' is longer than {max_len} characters."
        )
    return value


_nfc = functools.lru_cache(maxsize=4096)(nfc)  # actors and reasons repeat across a file's events


def _working_days(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise BadRecord(
            "'working_days' phải là số ngày làm việc (số không âm).",
            "'working_days' must be a non-negative number of working days.",
        )
    try:
        days = Decimal(str(value))
    except InvalidOperation:
        days = Decimal("NaN")
    if not days.is_finite() or days < 0 or days > 10000:
        raise BadRecord(
            f"'working_days' = {value!r} không hợp lệ (số từ 0 đến 10000).",
            f"'working_days' = {value!r} is invalid (a number from 0 to 10000).",
        )
    hours = days * 8
    if hours != hours.quantize(Decimal("0.01")):
        raise BadRecord(
            f"'working_days' = {value!r}: thời hạn quy ra giờ làm việc chỉ được có tối đa 2 chữ số thập phân.",
            f"'working_days' = {value!r}: the limit in working hours may have at most 2 decimals.",
        )
    return hours


_loads = strictjson.loads  # NaN, Infinity and 1e400 are not JSON numbers: the line is bad


class _Columns:
    """Receives services.store_snapshot's attributes (the dossier's timing columns)."""


def _event_hash(
    code_json: str, seq: int, action: str, at_iso: str, actor: str, from_state: str, to_state: str, reason: str,
    data_json: str, files_json: str, prev: str,
) -> str:  # fmt: skip
    """services.event_hash of an imported event from parts encoded once: the same canonical JSON text (keys in
    sorted order, the encoder's own string escaping, `step` null as for every imported event; `at_iso` is the UTC
    isoformat, `data_json` / `files_json` the canonical encodings of the cleaned data and the sorted file hashes),
    hence the same hash — tests check it against services.event_hash."""
    text = (
        f'{{"action":{_json_str(action)},"actor":{_json_str(actor)},"at":"{at_iso}","code":{code_json},'
        f'"data":{data_json},"files":{files_json},"from":{_json_str(from_state)},"prev":"{prev}",'
        f'"reason":{_json_str(reason)},"seq":{seq},"step":null,"to":{_json_str(to_state)}}}'
    )
    return hashlib.sha256(text.encode()).hexdigest()


def local_iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(LOCAL).isoformat() if value is not None else None


def _number(value: Decimal):
    """A Decimal as a JSON number: an int when integral, else a float (exact enough for 2-decimal hours / 8)."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


# --- preparation (validation + replay) -------------------------------------------------------------------------


class Preparer:
    """Turns one JSON record into an unsaved Dossier and its event rows (with hashes), or raises BadRecord.
    Caches agencies, procedures, versions and calendars for the whole run."""

    def __init__(self, *, now: dt.datetime | None = None):
        self.now = now or timezone.now()
        self._agencies: dict[str, Agency | None] = {}
        self._procedures: dict[str, tuple | None] = {}
        self._calendars: dict[int, services.AgencyCalendar] = {}
        self._registered: dict[tuple[int, int], Decimal] | None = None

        self.complete = False  # True after preload(): a cache miss means "unknown", no query

    def preload(self) -> None:
        """Load every agency and procedure (with its versions) at once: the worker processes of a parallel import
        then never query them."""
        self._agencies = {a.identifier: a for a in Agency.objects.all()}
        by_proc: dict[int, list] = {}
        for v in ProcedureVersion.objects.order_by("procedure_id", "effective_from"):
            by_proc.setdefault(v.procedure_id, []).append(v)
        self._procedures = {}
        for proc in Procedure.objects.all():
            versions = by_proc.get(proc.pk, [])
            self._procedures[proc.code] = (proc, [v.effective_from for v in versions], versions)
        for agency in self._agencies.values():
            self.calendar(agency).is_working_day(self.now.date())  # builds the agency's calendar now
        self.registered_days(0, 0)  # loads the agencies' registered limits now
        self.complete = True

    def registered_days(self, agency_id: int, procedure_id: int) -> Decimal | None:
        """The limit the agency registered for the procedure (`Offering.registered_days`), or None; the few
        offerings that have one are read once."""
        if self._registered is None:
            self._registered = {
                (a, p): d
                for a, p, d in Offering.objects.filter(registered_days__isnull=False).values_list(
                    "agency_id", "procedure_id", "registered_days"
                )
            }
        return self._registered.get((agency_id, procedure_id))

    def agency(self, identifier: str) -> Agency | None:
        # the record's "agency" as typed (`000.00.21.h26` is 000.00.21.H26); its dossier "code" is kept as it came
        identifier = identifier_form(identifier)
        if identifier not in self._agencies:
            if self.complete:
                return None
            self._agencies[identifier] = Agency.objects.filter(identifier=identifier).first()
        return self._agencies[identifier]

    def procedure(self, code: str):
        if code not in self._procedures:
            if self.complete:
                return None
            proc = Procedure.objects.filter(code=code).first()
            if proc is None:
                self._procedures[code] = None
            else:
                versions = list(ProcedureVersion.objects.filter(procedure=proc).order_by("effective_from"))
                self._procedures[code] = (proc, [v.effective_from for v in versions], versions)
        return self._procedures[code]

    def version_at(self, entry, day: dt.date) -> ProcedureVersion | None:
        _, dates, versions = entry
        if not versions:
            return None
        i = bisect_right(dates, day)
        return (
            versions[i - 1] if i else versions[0]
        )  # before the catalogue's first version: its first version

    def calendar(self, agency: Agency) -> services.AgencyCalendar:
        cal = self._calendars.get(agency.pk)
        if cal is None:
            cal = self._calendars[agency.pk] = services.AgencyCalendar(agency)
        return cal

    # ------------------------------------------------------------------------------------------------------

    def prepare(self, obj, line: int, plans: tuple | None = None) -> Prepared:
        """With `plans` (_copy_plans(), PostgreSQL) the events come as COPY rows (without their dossier id)."""
        if not isinstance(obj, dict):
            raise BadRecord("Mỗi dòng phải là một đối tượng JSON.", "Each line must be a JSON object.")
        code = obj.get("code")
        if code is not None and not isinstance(code, str):  # 12345: there, but not a code as text
            raise BadRecord(
                f"Mã hồ sơ 'code' phải là chuỗi ký tự trong dấu nháy kép, không phải {json.dumps(code)[:40]}.",
                f"The dossier 'code' must be a string in double quotes, not {json.dumps(code)[:40]}.",
            )
        if not isinstance(code, str) or not code.strip():
            raise BadRecord("Thiếu mã hồ sơ 'code'.", "Missing the dossier 'code'.")
        code = code.strip()
        if len(code) > MAX_CODE or not CODE_RE.match(code) or bad_char(code):
            raise BadRecord(
                f"Mã hồ sơ '{code}' không hợp lệ (tối đa {MAX_CODE} ký tự, không có khoảng trắng).",
                f"Invalid dossier code '{code}' (at most {MAX_CODE} characters, no spaces).",
            )
        agency_id = obj.get("agency")
        if agency_id is None or (isinstance(agency_id, str) and not agency_id.strip()):
            raise BadRecord("Thiếu mã cơ quan 'agency'.", "Missing the agency identifier 'agency'.")
        agency = self.agency(agency_id) if isinstance(agency_id, str) else None
        if agency is None:
            raise BadRecord(f"Không có cơ quan mã '{agency_id}'.", f"Unknown agency '{agency_id}'.")
        proc_code = obj.get("procedure")
        if proc_code is None or (isinstance(proc_code, str) and not proc_code.strip()):
            raise BadRecord("Thiếu mã thủ tục 'procedure'.", "Missing the procedure code 'procedure'.")
        entry = self.procedure(proc_code) if isinstance(proc_code, str) else None
        if entry is None:
            raise BadRecord(f"Không có thủ tục mã '{proc_code}'.", f"Unknown procedure '{proc_code}'.")
        procedure = entry[0]
        channel = obj.get("channel")
        if channel is None or (isinstance(channel, str) and not channel.strip()):
            raise BadRecord(
                "Thiếu kênh nộp 'channel' ('online', 'counter' hoặc 'postal').",
                "Missing the channel 'channel' ('online', 'counter' or 'postal').",
            )
        if channel not in CHANNELS:
            raise BadRecord(
                f"Kênh nộp '{channel}' không hợp lệ: phải là 'online', 'counter' hoặc 'postal'.",
                f"Invalid channel '{channel}': must be 'online', 'counter' or 'postal'.",
            )
        result_method = obj.get("result_method") or "counter"
        if result_method not in RESULT_METHODS:
            raise BadRecord(
                f"Hình thức nhận kết quả '{result_method}' không hợp lệ.",
                f"Invalid result_method '{result_method}'.",
            )
        applicant = obj.get("applicant")
        if not isinstance(applicant, dict):
            raise BadRecord(
                "Thiếu thông tin người nộp 'applicant' (kind, name, id_number).",
                "Missing the 'applicant' object (kind, name, id_number).",
            )
        for key in ("name", "address", "phone", "email"):
            if applicant.get(key) is not None and not isinstance(applicant.get(key), str):
                raise BadRecord(
                    f"'applicant.{key}' phải là chuỗi ký tự.", f"'applicant.{key}' must be a string."
                )
        if applicant.get("id_number") is not None and not isinstance(applicant["id_number"], (str, int)):
            raise BadRecord(
                "'applicant.id_number' phải là chuỗi chữ số.", "'applicant.id_number' must be a digit string."
            )
        birth_year = applicant.get("birth_year")
        if birth_year is not None and (
            isinstance(birth_year, bool) or not isinstance(birth_year, int) or not 1900 <= birth_year <= 2100
        ):
            raise BadRecord(
                "'applicant.birth_year' phải là năm (số nguyên).", "'applicant.birth_year' must be a year."
            )
        try:
            people = services._clean_applicant(
                {**applicant, "id_number": str(applicant.get("id_number") or "")}, allow_legacy=True
            )
        except DomainError as exc:
            raise BadRecord(f"Người nộp: {exc.message}", f"Applicant: {exc.message_en}") from None
        for key, limit in (("applicant_name", 255), ("applicant_address", 500), ("applicant_phone", 30)):
            if len(people[key]) > limit:
                raise BadRecord(
                    f"'{key}' dài quá {limit} ký tự.", f"'{key}' is longer than {limit} characters."
                )
        for key in ("representative", "form_data"):
            if obj.get(key) is not None and not isinstance(obj[key], dict):
                raise BadRecord(f"'{key}' phải là đối tượng JSON.", f"'{key}' must be a JSON object.")
        # what is kept as it came (the representative, the e-form, unknown keys) holds no control or hiding character
        with _refused_characters():
            for key in sorted(set(obj) - _CHECKED_KEYS):
                check_json_chars(obj[key], f"'{key}'", f"'{key}'")

        limit_given = None
        if obj.get("working_days") is not None:
            limit_given = _working_days(obj["working_days"])
        due_given = None
        if obj.get("due_at") is not None:
            due_given = _instant(obj["due_at"], "due_at", now=self.now, future_ok=True)

        raw_events = obj.get("events")
        if not isinstance(raw_events, list) or not raw_events:
            raise BadRecord(
                "Hồ sơ phải có danh sách sự kiện 'events' (ít nhất một).",
                "The dossier needs a non-empty 'events' list.",
            )
        events = []
        for i, ev in enumerate(raw_events, start=1):
            events.append(self._event(ev, i))

        first = events[0]
        if first["action"] == "submit" and channel != "online":
            raise BadRecord(
                "Sự kiện 1: 'submit' (nộp trực tuyến) chỉ dùng cho kênh 'online'; hồ sơ trực tiếp/bưu chính "
                "bắt đầu bằng 'register' hoặc 'receive'.",
                "Event 1: 'submit' (online filing) requires channel 'online'; counter/postal dossiers start "
                "with 'register' or 'receive'.",
            )
        if first["action"] == "register" and channel == "online":
            raise BadRecord(
                "Sự kiện 1: 'register' dùng cho hồ sơ trực tiếp/bưu chính, không dùng cho kênh 'online'.",
                "Event 1: 'register' is for counter/postal dossiers, not channel 'online'.",
            )
        first_day = first["at"].astimezone(LOCAL).date()
        version = self.version_at(entry, first_day)
        limit = limit_given
        if limit is None and version is not None:
            limit = version.limit_hours(self.registered_days(agency.pk, version.procedure_id))
        cal = self.calendar(agency)
        warnings = []
        received = any(e["action"] == "receive" for e in events)
        if due_given is not None and not received:
            warnings.append("due_at ignored: never received / bỏ qua due_at: hồ sơ chưa được tiếp nhận")
            due_given = None
        if limit is None and due_given is not None:
            rec = next(e for e in events if e["action"] == "receive")
            try:
                start = cal.compute_deadline(rec["at"], hours=0).counting_starts_at
                limit = Decimal(str(cal.working_hours_between(start, due_given))).quantize(Decimal("0.01"))
            except DomainError as exc:
                raise BadRecord(exc.message, exc.message_en) from None

        snap, steps = self._replay(events, lifecycle.Snapshot(limit_hours=limit), cal)
        if due_given is not None and snap.due_at != due_given:
            if due_given < (snap.counting_starts_at or due_given):
                raise BadRecord(
                    f"Hẹn trả 'due_at' = {local_iso(due_given)} trước thời điểm bắt đầu tính thời hạn "
                    f"({local_iso(snap.counting_starts_at)}).",
                    f"'due_at' = {local_iso(due_given)} is before the counting start "
                    f"({local_iso(snap.counting_starts_at)}).",
                )
            snap, steps = self._replay(
                events, lifecycle.Snapshot(limit_hours=limit, due_at=due_given, fixed_due=True), cal
            )

        extra_keys = tuple(sorted(set(obj) - RECORD_KEYS))
        form_data = dict(obj.get("form_data") or {})
        if extra_keys:
            form_data["migrated_extra"] = {k: obj[k] for k in extra_keys}
        fields = dict(
            code=code,
            agency_id=agency.pk,
            procedure_id=procedure.pk,
            procedure_version_id=version.pk if version is not None else None,
            field_id_snapshot=version.field_id if version is not None else None,
            channel=channel,
            representative=services._clean_data(obj["representative"]) if obj.get("representative") else {},
            form_data=services._clean_data(form_data) if form_data else {},
            result_method=result_method,
            imported=True,
            version=len(events),
            applicant_name_ascii=fold(people["applicant_name"]),
            **people,
        )
        timing = _Columns()
        services.store_snapshot(timing, snap)
        fields.update(vars(timing))
        if snap.state is None:  # cannot happen: every action leads to a state
            raise BadRecord("Lịch sử không dẫn tới trạng thái nào.", "The history leads to no state.")

        event_row = None if plans is None else plans[1].event_row
        rows, prev = [], ""
        code_json = _json_str(code)
        for seq, (ev, (from_state, to_state, after)) in enumerate(zip(events, steps, strict=True), start=1):
            action = ev["action"]
            data = dict(ev["extra"])
            params = ev["params"]  # only the values given
            if params:
                for key in PARAM_KEYS:
                    if key in params:
                        data[key] = params[key]
            if seq == 1:
                data.update(
                    channel=channel,
                    procedure=procedure.code,
                    procedure_version=str(version.effective_from) if version is not None else None,
                )
            if action == "receive":
                data.update(
                    counting_starts_at=after.counting_starts_at,
                    due_at=after.due_at,
                    limit_hours=after.limit_hours,
                )
                if after.fixed_due:  # the old system's final appointment: pauses already included
                    data["fixed_due"] = True
            if action in lifecycle.RESUME_ACTIONS:
                data.update(paused_hours_total=after.paused_hours, due_at=after.due_at)
            data = services._clean_data(data)
            data_json = _canonical(data) if data else "{}"
            files = ev["file_hashes"]
            from_state = from_state or ""
            h = _event_hash(
                code_json, seq, action, ev["at_iso"], ev["actor"], from_state, to_state, ev["reason"], data_json,
                _canonical(sorted(files)) if files else "[]", prev,
            )  # fmt: skip
            if event_row is not None:
                # PostgreSQL: the COPY row straight away (data as its canonical JSON: the column is jsonb)
                files_copy = _escape(_dumps(files)) if files else "[]"
                rows.append(
                    event_row(
                        str(seq),
                        action,
                        ev["at_iso"],
                        _escape(ev["actor"]),
                        from_state,
                        to_state,
                        _escape(ev["reason"]),
                        _escape(data_json),
                        files_copy,
                        prev,
                        h,
                    )  # fmt: skip
                )
            else:
                rows.append(
                    dict(
                        seq=seq,
                        action=action,
                        at=ev["at"],
                        actor_name=ev["actor"],
                        from_state=from_state,
                        to_state=to_state,
                        reason=ev["reason"],
                        data=data,
                        file_hashes=files,
                        prev_hash=prev,
                        hash=h,
                    )
                )
            prev = h
        fields["last_event_hash"] = prev
        return Prepared(
            line=line,
            fields=fields,
            events=rows,
            sequence=self._sequence(code),
            extra_keys=extra_keys,
            warnings=tuple(warnings),
        )

    def _event(self, ev, i: int) -> dict:
        if not isinstance(ev, dict):
            raise BadRecord(f"Sự kiện {i} phải là đối tượng JSON.", f"Event {i} must be a JSON object.")
        action = ev.get("action")
        if action not in TRANSITIONS:
            raise BadRecord(
                f"Sự kiện {i}: không có thao tác '{action}'.", f"Event {i}: unknown action '{action}'."
            )
        try:
            at = _instant(ev.get("at"), "at", now=self.now)
            params = {}
            if ev.get("new_return_at") is not None:
                params["new_return_at"] = local_iso(
                    _instant(ev["new_return_at"], "new_return_at", now=self.now, future_ok=True)
                )
            for key in ("outcome", "method"):
                if ev.get(key) is not None:
                    params[key] = ev[key]
            reason = _text(ev.get("reason"), "reason", required=False, max_len=10000, lines=True)
            actor = _text(ev.get("actor"), "actor", required=False, max_len=255)
        except BadRecord as exc:
            raise BadRecord(
                f"Sự kiện {i} ({action}): {exc.message}", f"Event {i} ({action}): {exc.message_en}"
            ) from None
        hashes = ev.get("file_hashes") or []
        if not isinstance(hashes, list) or not all(isinstance(x, str) for x in hashes):
            raise BadRecord(
                f"Sự kiện {i}: 'file_hashes' phải là danh sách chuỗi.",
                f"Event {i}: 'file_hashes' must be a list of strings.",
            )
        extra = {k: v for k, v in ev.items() if k not in EVENT_KEYS}
        with _refused_characters():
            check_json_chars(extra, f"Sự kiện {i} ({action})", f"Event {i} ({action})")
        return dict(
            action=action,
            at=at,
            at_iso=at.isoformat(),  # `at` is in UTC: what services.event_hash writes, and what COPY stores
            params=params,
            reason=reason,
            actor=actor,
            file_hashes=hashes,
            extra=extra,
        )

    def _replay(self, events, snap, cal):
        steps = []
        for i, ev in enumerate(events, start=1):
            before = snap.state
            try:
                snap = lifecycle.apply(snap, ev["action"], ev["at"], ev["params"], cal)
            except lifecycle.LifecycleError as exc:
                raise BadRecord(
                    f"Sự kiện {i} ({ev['action']}, {local_iso(ev['at'])}): {exc.message}",
                    f"Event {i} ({ev['action']}, {local_iso(ev['at'])}): {exc.message_en}",
                ) from None
            except DomainError as exc:  # e.g. an instant outside the calendar's years
                raise BadRecord(
                    f"Sự kiện {i} ({ev['action']}): {exc.message}",
                    f"Event {i} ({ev['action']}): {exc.message_en}",
                ) from None
            steps.append((before, snap.state, snap))
        return snap, steps

    def _sequence(self, code: str):
        m = CONTRACT_CODE_RE.match(code)
        if not m:
            return None
        agency = self.agency(m["agency"])
        if agency is None:
            return None
        d = m["day"]
        try:
            day = dt.date(2000 + int(d[:2]), int(d[2:4]), int(d[4:]))
        except ValueError:
            return None
        return (agency.pk, day, int(m["seq"]))


# --- comparing with what is already stored ---------------------------------------------------------------------


def _comparable_event(action, at, actor_name, from_state, to_state, reason, data, file_hashes):
    # instants compared as instants: a native event stores them in UTC, an imported one as the file wrote them
    kept = services.instants_in({k: v for k, v in (data or {}).items() if k not in DERIVED_KEYS}, dt.UTC)
    return (
        action,
        at,
        actor_name or "",
        from_state or "",
        to_state,
        reason or "",
        kept,
        sorted(file_hashes or []),
    )


def fingerprint(values: dict) -> str:
    """A digest of the compared dossier columns (hours to 2 decimals, instants in UTC) — for stored rows and
    prepared records alike."""
    parts = []
    for f in COMPARED_FIELDS:
        v = values.get(f)
        if v is None or v == "":
            parts.append("")
        elif isinstance(v, Decimal):
            parts.append(str(v.quantize(CENT)))
        elif isinstance(v, dt.datetime):
            parts.append(v.astimezone(dt.UTC).isoformat())
        else:
            parts.append(str(v))
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def _stored_heads(codes: list[str]) -> dict[str, dict]:
    """The last event hash and the compared columns of the dossiers already stored with one of these codes."""
    names = ("code", "last_event_hash", *COMPARED_FIELDS)
    if connection.vendor != "postgresql":
        return {row["code"]: row for row in Dossier.objects.filter(code__in=codes).values(*names)}
    # One array parameter instead of thousands of IN placeholders (bound client side, ~10 µs per code).
    columns = ", ".join(f'"{Dossier._meta.get_field(n).column}"' for n in names)
    with connection.cursor() as cur:
        cur.execute(f'SELECT {columns} FROM "{Dossier._meta.db_table}" WHERE "code" = ANY(%s)', [codes])
        return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}


def _field_differences(stored: dict, new: dict, fields: tuple = COMPARED_FIELDS) -> list[str]:
    diffs = []
    for f in fields:
        a, b = stored.get(f), new.get(f)
        if isinstance(a, Decimal) and isinstance(b, Decimal):  # stored with 2 decimals (hours)
            a, b = a.quantize(CENT), b.quantize(CENT)
        if (a in (None, "") and b in (None, "")) or a == b:
            continue
        diffs.append(f.removesuffix("_id"))
    return diffs


def differences(existing: Dossier, existing_events: list[DossierEvent], prepared: Prepared) -> list[str]:
    """What differs between a stored dossier and a prepared record with the same code (empty = identical)."""
    diffs = _field_differences({f: getattr(existing, f) for f in COMPARED_FIELDS}, prepared.fields)
    old_ev = [
        _comparable_event(
            e.action, e.at, e.actor_name, e.from_state, e.to_state, e.reason, e.data, e.file_hashes
        )
        for e in existing_events
    ]
    new_ev = [
        _comparable_event(
            r["action"],
            r["at"],
            r["actor_name"],
            r["from_state"],
            r["to_state"],
            r["reason"],
            r["data"],
            r["file_hashes"],
        )
        for r in prepared.events
    ]
    if old_ev != new_ev:
        diffs.append("events")
    return diffs


def continued_here(
    existing: Dossier, existing_events: list[DossierEvent], prepared: Prepared
) -> list[str] | None:
    """None unless the stored dossier's history begins with exactly the prepared record's and goes on (imported
    from this record, then handled here: the chain hash at the record's last event is the record's). Then what
    differs in the columns the later actions do not change (empty: the record is already present)."""
    n = len(prepared.events)
    if len(existing_events) <= n or existing_events[n - 1].hash != prepared.last_event_hash:
        return None
    return _field_differences(
        {f: getattr(existing, f) for f in IDENTITY_FIELDS}, prepared.fields, IDENTITY_FIELDS
    )


# --- the import ------------------------------------------------------------------------------------------------


NOT_UTF8 = "\x00not-utf-8"
# A \uD800-\uDFFF escape: JSON's grammar allows one alone, Unicode text does not (UTF-8 cannot encode it).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _lines(path_or_file) -> Iterator[tuple[int, str]]:
    """(line number, text) of the non-blank lines. A file path is read as bytes and decoded line by line, so a
    line that is not UTF-8 is reported with its number (NOT_UTF8) instead of stopping the import."""
    if hasattr(path_or_file, "read"):
        for n, text in enumerate(path_or_file, start=1):
            if n == 1 and text.startswith("\ufeff"):
                text = text[1:]
            if text.strip():
                yield n, text
        return
    with open(path_or_file, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield n, NOT_UTF8
                continue
            if text.strip():
                yield n, text


class Progress:
    """A plain progress line on stderr every `every` records (no dependency)."""

    def __init__(self, stream: IO | None, every: int, label: str):
        self.stream, self.every, self.label = stream, every, label
        self.start = time.monotonic()
        self.n = 0

    def tick(self, n: int = 1) -> None:
        before = self.n
        self.n += n
        if self.stream is not None and self.every and self.n // self.every != before // self.every:
            self._write()

    def _write(self, end: str = "") -> None:
        secs = time.monotonic() - self.start
        rate = self.n / secs if secs else 0
        tty = getattr(self.stream, "isatty", lambda: False)()
        self.stream.write(
            f"{'\r' if tty else ''}{self.label}: {self.n:,} ({rate:,.0f}/s){end if tty else '\n'}"
        )
        self.stream.flush()

    def done(self) -> None:
        if self.stream is not None and self.every:
            self._write("\n")


class _Rollback(Exception):
    pass


def import_dossiers(
    path_or_file,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    on_problem=None,
    progress: IO | None = None,
    progress_every: int = 10000,
    batch_size: int = BATCH,
    jobs: int = 0,
) -> ImportResult:
    """Import a JSONL file of dossier histories, all or nothing (contract §8).

    One streamed pass inside one transaction: each line is validated (replayed through the lifecycle) and the
    valid records are written in batches as they come. At the first bad line writing stops, validation goes on to
    report every bad line, and the transaction is rolled back at the end — so the result is the same as
    "validate everything, then write everything" at half the CPU cost. With `dry_run` nothing is ever written.
    Memory: the set of codes seen, one batch. With `jobs` ≥ 1 (PostgreSQL) the records are prepared by that many
    forked worker processes (in file order) while this process checks, writes and reports."""
    t0 = time.monotonic()
    result = ImportResult(dry_run=dry_run)
    prep = Preparer(now=now)
    seen: set[str] = set()
    sequences: dict[tuple[int, dt.date], int] = {}
    state = {"writing": not dry_run}

    def bad(line: int, code: str, message: str, message_en: str) -> None:
        result.bad += 1
        state["writing"] = False
        p = Problem(line, code, message, message_en)
        if len(result.problems) < ImportResult.MAX_KEPT:
            result.problems.append(p)
        if on_problem is not None:
            on_problem(p)

    def sequence(p) -> None:
        if p.sequence is not None:
            key = (p.sequence[0], p.sequence[1])
            sequences[key] = max(sequences.get(key, 0), p.sequence[2])

    def count(p) -> None:
        result.by_state[p.state] += 1
        result.by_year[p.received_year] += 1
        result.events += p.n_events
        for k in p.extra_keys:
            result.warnings[f"unknown key kept in form_data.migrated_extra: {k}"] += 1
        for w in p.warnings:
            result.warnings[w] += 1
        sequence(p)

    def flush(batch: list) -> None:
        """Check the batch against the database (same code already stored?), then write the new ones."""
        heads = _stored_heads([p.code for p in batch])
        new = []
        for p in batch:
            head = heads.get(p.code)
            if head is None:
                count(p)
                new.append(p)
                continue
            # The same chain (the last hash covers every event, its data and the timings derived from them) and
            # the same dossier columns: identical. Anything else is compared in full to name what differs.
            diffs = []
            same = head["last_event_hash"] == p.last_event_hash and fingerprint(head) == (
                p.fingerprint if isinstance(p, Prepared) else writer.d.fingerprint(p.dossier_row)
            )
            if not same:
                full = p if isinstance(p, Prepared) else prep.prepare(_loads(p.text), p.line)
                d = Dossier.objects.get(code=p.code)
                stored_events = list(d.events.order_by("seq"))
                diffs = continued_here(d, stored_events, full)
                if diffs == []:
                    result.warnings[CONTINUED] += 1
                elif diffs is None:
                    diffs = differences(d, stored_events, full)
            if diffs:
                bad(
                    p.line,
                    p.code,
                    "Mã hồ sơ đã có trong hệ thống với nội dung khác (" + ", ".join(diffs) + "): xung đột.",
                    "A dossier with this code already exists with different content ("
                    + ", ".join(diffs)
                    + "): conflict.",
                )
            else:
                result.skipped += 1
                sequence(p)
        if state["writing"] and new:
            result.created += writer(new)
        else:
            result.would_create += len(new)

    bar = Progress(
        progress,
        progress_every,
        "Kiểm tra (không ghi) / checking (nothing stored)"
        if dry_run
        else "Kiểm tra và ghi / validating and storing",
    )
    copy = connection.vendor == "postgresql"
    writer = _CopyWriter() if copy else _bulk_write
    pool = _start_pool(prep, jobs)  # forked before the transaction starts (see _worker_init)
    try:
        with transaction.atomic():
            if copy:
                # Check foreign keys batch by batch rather than queueing millions of deferred checks for COMMIT
                # (same work, no 75-second COMMIT and no huge trigger queue for a million dossiers).
                with connection.cursor() as cur:
                    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            batch: list = []
            for n, code, p in _prepared(path_or_file, prep, pool, ready=copy):
                result.records += 1
                bar.tick()
                if code and code in seen:
                    bad(n, code, "Mã hồ sơ bị trùng trong tệp.", "Duplicate dossier code in the file.")
                    continue
                if code:
                    seen.add(code)
                if isinstance(p, BadRecord):
                    bad(n, code, p.message, p.message_en)
                    continue
                batch.append(p)
                if len(batch) >= batch_size:
                    flush(batch)
                    batch = []
            if batch:
                flush(batch)
            if result.bad or dry_run:
                raise _Rollback
            _raise_sequences(sequences)
            if copy:
                with connection.cursor() as cur:
                    cur.execute(
                        "SET CONSTRAINTS ALL DEFERRED"
                    )  # Django's default for the rest of an outer transaction
    except _Rollback:
        result.created = 0
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    bar.done()
    result.seconds = time.monotonic() - t0
    return result


def default_jobs() -> int:
    """Worker processes preparing records (0 = in this process): on PostgreSQL one per CPU, at most 4 (preparing
    is ~2/3 of the work; this process and the database server share the rest); on SQLite none."""
    cpus = os.cpu_count() or 1
    return min(4, cpus) if connection.vendor == "postgresql" and cpus > 1 else 0


def _jsonl_hint(text: str, exc: json.JSONDecodeError) -> tuple[str, str]:
    """What to do about a line that is not JSON because the file is not JSON Lines: comments (the contract's
    example annotates its fields with "# …"), or one record written over several lines. Said only of a line that
    does not parse, so a "#" inside a value is never taken for a comment."""
    vi, en = [], []
    comment = re.search(r"(?:^|\s)(?:#|//)(?:\s|$)", text[exc.pos :])
    if comment:
        vi.append("Tệp JSON Lines không có chú thích (# …): hãy xoá chú thích.")
        en.append("JSON Lines has no comments (# …): remove them.")
        text = text[: exc.pos + comment.start()]  # the shape of what the comment annotates
    stripped = text.strip()
    if (stripped.startswith("{") and not stripped.rstrip(",").endswith("}")) or stripped.startswith(
        ('"', "}", "]")
    ):
        vi.append(
            "Mỗi dòng phải là một hồ sơ trọn vẹn (một đối tượng JSON trên một dòng, JSON Lines), không viết một "
            "hồ sơ trên nhiều dòng."
        )
        en.append(
            "Each line must be one whole record (one JSON object per line, JSON Lines), not a record written over "
            "several lines."
        )
    return "".join(" " + t for t in vi), "".join(" " + t for t in en)


def _prepare_line(
    prep: Preparer, n: int, text: str, plans=None
) -> tuple[int, str, Prepared | Ready | BadRecord]:
    """Parse and prepare one line. With `plans` (PostgreSQL), the result is a Ready with its COPY rows."""
    if text == NOT_UTF8:
        return n, "", BadRecord("Dòng không phải văn bản UTF-8.", "The line is not UTF-8 text.")
    if "\\u0000" in text:
        return (
            n,
            "",
            BadRecord(
                "Dòng chứa ký tự NUL (\\u0000): không lưu được.",
                "The line contains a NUL character (\\u0000).",
            ),
        )
    try:
        obj = _loads(text)
    except json.JSONDecodeError as exc:
        hint_vi, hint_en = _jsonl_hint(text, exc)
        return (
            n,
            "",
            BadRecord(
                f"Dòng không phải JSON hợp lệ (cột {exc.colno}: {strictjson.reason_vi(exc)}).{hint_vi}",
                f"Not valid JSON ({exc.msg}, column {exc.colno}).{hint_en}",
            ),
        )
    except RecursionError:
        return (
            n,
            "",
            BadRecord(
                "Dòng không phải JSON hợp lệ (lồng nhau quá sâu).", "Not valid JSON (nested too deeply)."
            ),
        )
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        return (
            n,
            "",
            BadRecord("Dòng không phải JSON hợp lệ (số quá dài).", "Not valid JSON (a number is too long)."),
        )
    if _SURROGATE_ESCAPE.search(text):
        try:
            _dumps(obj).encode()
        except UnicodeEncodeError:
            return (
                n,
                "",
                BadRecord(
                    "Dòng chứa mã \\uD800–\\uDFFF đứng riêng (nửa cặp surrogate): không phải văn bản Unicode hợp lệ.",
                    "The line contains a lone surrogate (\\uD800–\\uDFFF alone): not valid Unicode text.",
                ),
            )
    code = obj.get("code") if isinstance(obj, dict) else None
    code = code.strip() if isinstance(code, str) else ""
    try:
        p = prep.prepare(obj, n, plans)
    except BadRecord as exc:
        return n, code, exc
    if plans is None:
        return n, code, p
    return (
        n,
        code,
        Ready(
            line=n,
            code=p.code,
            last_event_hash=p.last_event_hash,
            state=p.state,
            received_year=p.received_year,
            sequence=p.sequence,
            extra_keys=p.extra_keys,
            warnings=p.warnings,
            dossier_row=plans[0].text(p.fields),
            event_rows="\n".join(p.events),  # already COPY rows
            n_events=len(p.events),
        ),
    )


_WORKER: tuple | None = None  # (Preparer, plans) inherited by forked workers
_STASH: list = []


def _worker_init() -> None:
    """In a forked worker: never touch the parent's database connection (keep a reference so it is not finalised,
    which would end the parent's session) — Django opens the worker's own connection if the calendar needs one."""
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        _STASH.append(conn.connection)
        conn.connection = None


def _work(chunk: list[tuple[int, str]]) -> list:
    prep, plans = _WORKER
    return [_prepare_line(prep, n, text, plans) for n, text in chunk]


def _start_pool(prep: Preparer, jobs: int):
    # PostgreSQL only: a forked SQLite library must not touch the parent's database (in-memory test databases
    # even deadlock on the inherited shared cache), and SQLite's writes are the bottleneck there anyway.
    if jobs < 1 or connection.vendor != "postgresql":
        return None
    global _WORKER
    prep.preload()
    _WORKER = (prep, _copy_plans())
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"), initializer=_worker_init)
    pool.submit(int).result()  # forks every worker now (fork start method), before any thread or transaction
    pool.jobs = jobs
    return pool


def _prepared(path_or_file, prep: Preparer, pool, chunk: int = 200, ready: bool = False) -> Iterator:
    """(line number, code, Prepared / Ready / BadRecord) for every non-blank line, in file order. With a pool,
    chunks of lines go to the workers with a bounded number in flight (memory stays bounded); a worker that dies
    raises BrokenProcessPool here instead of hanging."""
    if pool is None:
        plans = _copy_plans() if ready else None
        for n, text in _lines(path_or_file):
            result = _prepare_line(prep, n, text, plans)
            if type(result[2]) is Ready:
                result[2].text = text
            yield result
        return
    window: deque = deque()
    buf: list = []

    def results(future, lines):
        for result, (_, text) in zip(future.result(), lines, strict=True):
            if type(result[2]) is Ready:
                result[2].text = text  # this process's copy of the line (not sent back by the worker)
            yield result

    for item in _lines(path_or_file):
        buf.append(item)
        if len(buf) >= chunk:
            window.append((pool.submit(_work, buf), buf))
            buf = []
            if len(window) >= 8 * pool.jobs:  # enough queued work for the workers while a batch is written
                yield from results(*window.popleft())
    if buf:
        window.append((pool.submit(_work, buf), buf))
    while window:
        yield from results(*window.popleft())


def _bulk_write(batch: list[Prepared]) -> int:
    """Every database but PostgreSQL: bulk_create (returns primary keys on SQLite ≥ 3.35)."""
    dossiers = [Dossier(**p.fields) for p in batch]
    Dossier.objects.bulk_create(dossiers, batch_size=BATCH)
    events = []
    for p, d in zip(batch, dossiers, strict=True):
        events.extend(DossierEvent(dossier_id=d.pk, **row) for row in p.events)
    DossierEvent.objects.bulk_create(events, batch_size=BATCH)
    return len(dossiers)


NL, TAB = "\n", "\t"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _escape(v: str) -> str:
    # str.translate looks every character up: only pay for it when there is something to escape
    if "\\" in v or "\n" in v or "\t" in v or "\r" in v:
        return v.translate(_COPY_ESCAPES)
    return v


_UNESCAPES = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
_UNESCAPE_RE = re.compile(r"\\(.)")


def _unescape(v: str) -> str:
    return _UNESCAPE_RE.sub(lambda m: _UNESCAPES[m[1]], v) if "\\" in v else v


def _copy_value(v) -> str:
    """One value in PostgreSQL's COPY text format."""
    if v is None:
        return "\\N"
    t = type(v)
    if t is str:
        return _escape(v)
    if t is bool:
        return "t" if v else "f"
    if t is int or t is Decimal:
        return str(v)
    if t is dt.datetime or t is dt.date:
        return v.isoformat()
    if t is dict or t is list:
        return _escape(_dumps(v))
    return _escape(str(v))


def _copy_json(v) -> str:
    if v is None:
        return "\\N"
    if not v:
        return "{}" if type(v) is dict else "[]"
    return _escape(_dumps(v))


def _copy_str(v) -> str:
    return "\\N" if v is None else _escape(v) if type(v) is str else _copy_value(v)


def _copy_datetime(v) -> str:
    return "\\N" if v is None else v.isoformat() if type(v) is dt.datetime else _copy_value(v)


def _copy_int(v) -> str:
    return "\\N" if v is None else str(v) if type(v) is int else _copy_value(v)


# The formatter of each kind of column (the value's type is checked once, cheaply; anything unexpected goes
# through the general _copy_value).
_COPY_FORMATS = {
    "CharField": "_str",
    "TextField": "_str",
    "EmailField": "_str",
    "DateTimeField": "_datetime",
    "BigIntegerField": "_int",
    "IntegerField": "_int",
    "PositiveIntegerField": "_int",
    "ForeignKey": "_int",
    "JSONField": "_json",
}


class _CopyPlan:
    """The columns of one table in COPY order: `first` ("id" for dossiers, "dossier_id" for events) given by the
    writer; the others from the prepared values, or the field's default (auto_now fields: the import's instant);
    `omit` left to the database (the events' "id": its identity default)."""

    def __init__(self, model, now, first=("id",), omit=()):
        cols = [f for f in model._meta.concrete_fields if f.attname not in first and f.attname not in omit]
        self.names = [f.attname for f in cols]
        self.kinds = [f.get_internal_type() for f in cols]
        self.defaults = {}
        for f in cols:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults[f.attname] = now
            elif f.has_default():
                self.defaults[f.attname] = f.get_default()
            else:
                self.defaults[f.attname] = None
        columns = [model._meta.get_field(a).column if a != "id" else "id" for a in first]
        columns += [f.column for f in cols]
        self.sql = f'COPY "{model._meta.db_table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) FROM STDIN'
        self.table = model._meta.db_table

        # One compiled expression per table instead of a loop over the columns (a million dossiers are ~130
        # million values): each column reads its value or falls back to its pre-formatted default.
        parts = []
        for i, f in enumerate(cols):
            if not f.attname.isidentifier():  # pragma: no cover - Django attnames are identifiers
                raise ValueError(f.attname)
            fmt = _COPY_FORMATS.get(f.get_internal_type(), "_value")
            parts.append(f"{fmt}(v['{f.attname}']) if '{f.attname}' in v else _defaults[{i}]")
        self.default_texts = [_copy_value(self.defaults[f.attname]) for f in cols]
        namespace = {
            "_value": _copy_value,
            "_json": _copy_json,
            "_str": _copy_str,
            "_datetime": _copy_datetime,
            "_int": _copy_int,
            "_defaults": self.default_texts,
        }
        exec(f"def text(v):\n    return '\\t'.join(({', '.join(parts)},))", namespace)  # noqa: S102
        self.text = namespace["text"]

    def values(self, row: str, names) -> dict:
        """The named columns' values read back from a row this plan formatted (`text`)."""
        cols = row.split("\t")
        out = {}
        for name in names:
            i = self.names.index(name)
            kind = self.kinds[i]
            v = cols[i]
            if v == "\\N":
                out[name] = None
            elif kind == "DateTimeField":
                out[name] = dt.datetime.fromisoformat(v)
            elif kind == "DecimalField":
                out[name] = Decimal(v)
            elif kind == "BooleanField":
                out[name] = v == "t"
            else:  # text (fingerprint compares str(value): the same for integers)
                out[name] = _unescape(v)
        return out

    def fingerprint(self, row: str) -> str:
        """The fingerprint of a dossier row (the compared columns): the same as of the values it was made from."""
        return fingerprint(self.values(row, COMPARED_FIELDS))

    def formatted(self, *args: str):
        """A function of the named columns' COPY texts (already formatted and escaped), in that order, returning
        the row; every other column takes its default. Cheaper than `text` when the caller has the texts."""
        unknown = [a for a in args if a not in self.names or not a.isidentifier()]
        if unknown:
            raise ValueError(f"not columns of {self.table}: {unknown}")
        values = [name if name in args else f"_defaults[{i}]" for i, name in enumerate(self.names)]
        namespace = {"_defaults": self.default_texts}
        exec(f"def row({', '.join(args)}):\n    return '\\t'.join(({', '.join(values)},))", namespace)  # noqa: S102
        return namespace["row"]


EVENT_COPY_COLUMNS = ("seq", "action", "at", "actor_name", "from_state", "to_state", "reason", "data",
                      "file_hashes", "prev_hash", "hash")  # fmt: skip


def _copy_plans() -> tuple[_CopyPlan, _CopyPlan]:
    now = timezone.now()
    events = _CopyPlan(DossierEvent, now, first=("dossier_id",), omit=("id",))
    events.event_row = events.formatted(*EVENT_COPY_COLUMNS)  # Preparer.prepare's argument order
    return _CopyPlan(Dossier, now), events


class _CopyWriter:
    """PostgreSQL: COPY batches (an order of magnitude faster than INSERTs for millions of rows). The dossiers'
    primary keys are drawn from their sequence first, so that events can name their dossier; the events' own keys
    are the column's identity default. Runs inside the import's transaction on the same connection."""

    def __init__(self):
        self.d, self.e = _copy_plans()

    @staticmethod
    def _ids(cur, table: str, n: int) -> list[int]:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
        )
        return [r[0] for r in cur.fetchall()]

    def __call__(self, batch: list[Ready]) -> int:
        with connection.cursor() as django_cur:
            cur = django_cur.cursor  # psycopg 3 cursor on the same connection, inside the same transaction
            d_ids = self._ids(cur, self.d.table, len(batch))
            with cur.copy(self.d.sql) as copy:
                copy.write("".join(f"{pk}\t{p.dossier_row}\n" for pk, p in zip(d_ids, batch, strict=True)))
            with cur.copy(self.e.sql) as copy:
                # each record's rows are newline separated (COPY text has no other raw newline): prefix each
                copy.write(
                    "".join(
                        f"{pk}\t{p.event_rows.replace(NL, f'{NL}{pk}{TAB}')}\n"
                        for pk, p in zip(d_ids, batch, strict=True)
                    )
                )
        return len(batch)


def _raise_sequences(sequences: dict[tuple[int, dt.date], int]) -> None:
    """DailySequence(agency, day).last = max(last, highest imported sequence)."""
    if not sequences:
        return
    keys = list(sequences)
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        agency_ids = {k[0] for k in chunk}
        days = {k[1] for k in chunk}
        existing = {
            (s.agency_id, s.day): s
            for s in DailySequence.objects.filter(agency_id__in=agency_ids, day__in=days)
        }
        create, update = [], []
        for key in chunk:
            s = existing.get(key)
            if s is None:
                create.append(DailySequence(agency_id=key[0], day=key[1], last=sequences[key]))
            elif s.last < sequences[key]:
                s.last = sequences[key]
                update.append(s)
        DailySequence.objects.bulk_create(create)
        DailySequence.objects.bulk_update(update, ["last"])


# --- export ----------------------------------------------------------------------------------------------------


def export_record(dossier: Dossier, events: Iterable[DossierEvent]) -> dict:
    applicant = {"kind": dossier.applicant_kind, "name": dossier.applicant_name}
    for key in ("id_number", "address", "phone", "email"):
        value = getattr(dossier, f"applicant_{key}")
        if value:
            applicant[key] = value
    rec = {
        "code": dossier.code,
        "procedure": dossier.procedure.code,
        "agency": dossier.agency.identifier,
        "channel": dossier.channel,
        "applicant": applicant,
    }
    if dossier.limit_hours is not None:
        rec["working_days"] = _number(Decimal(dossier.limit_hours) / 8)
    if dossier.due_at is not None:
        rec["due_at"] = local_iso(dossier.due_at)
    if dossier.result_method and dossier.result_method != "counter":
        rec["result_method"] = dossier.result_method
    if dossier.representative:
        rec["representative"] = dossier.representative
    form_data = dict(dossier.form_data or {})
    extra = form_data.pop("migrated_extra", None) if dossier.imported else None
    if form_data:
        rec["form_data"] = form_data
    out_events = []
    for e in events:
        ev = {"action": e.action, "at": local_iso(e.at)}
        data = services.instants_in(
            e.data or {}, LOCAL
        )  # the file's instants in local time, as the contract's
        for key in PARAM_KEYS:
            if data.get(key) is not None:
                ev[key] = data[key]
        if e.reason:
            ev["reason"] = e.reason
        if e.actor_name:
            ev["actor"] = e.actor_name
        if e.file_hashes:
            ev["file_hashes"] = list(e.file_hashes)
        for key, value in data.items():
            if key not in DERIVED_KEYS and key not in ev and key not in EVENT_KEYS:
                ev[key] = value
        out_events.append(ev)
    rec["events"] = out_events
    if isinstance(extra, dict):
        for key, value in extra.items():
            rec.setdefault(key, value)
    return rec


def export_queryset(
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    agency: str | None = None,
    subtree: bool = False,
):
    """Dossiers first registered (submitted_at, local date) in [date_from, date_to], optionally of one agency (with
    `subtree`, of that agency and every agency under it, as the statistics scope an agency)."""
    qs = Dossier.objects.select_related("agency", "procedure").order_by("pk")
    if date_from is not None:
        qs = qs.filter(submitted_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=LOCAL))
    if date_to is not None:
        qs = qs.filter(
            submitted_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL)
        )
    if agency and subtree:
        root = Agency.objects.filter(identifier=agency).first()
        qs = qs.filter(agency__path__startswith=root.path) if root is not None else qs.none()
    elif agency:
        qs = qs.filter(agency__identifier=agency)
    return qs


def export_dossiers(out: IO, *, progress: IO | None = None, progress_every: int = 10000, **filters) -> int:
    """Write the selected dossiers as JSON Lines to `out`; returns the number written. Streams in chunks."""
    qs = export_queryset(**filters).prefetch_related(
        Prefetch("events", queryset=DossierEvent.objects.order_by("seq"))
    )
    bar = Progress(progress, progress_every, "Xuất / exporting")
    n = 0
    for d in qs.iterator(chunk_size=BATCH):
        out.write(_dumps(export_record(d, d.events.all())))
        out.write("\n")
        n += 1
        bar.tick()
    bar.done()
    return n


# --- verification of the chains --------------------------------------------------------------------------------


class _Event:
    """The event attributes services.verify_chain reads, from one values_list row (no model instance)."""

    __slots__ = ("seq", "action", "at", "actor_name", "from_state", "to_state", "step_order", "reason", "data",
                 "file_hashes", "prev_hash", "hash")  # fmt: skip

    def __init__(self, row):
        for name, value in zip(self.__slots__, row, strict=True):
            setattr(self, name, value)


class _LoadedEvents:
    def __init__(self, events: list):
        self._events = events

    def order_by(self, *_):
        return sorted(self._events, key=lambda e: e.seq)


class _LoadedDossier:
    """Duck-types what services.verify_chain reads (code, last_event_hash, events.order_by) over events loaded in
    bulk, so the check is the service's own but costs two queries per chunk instead of one per dossier."""

    def __init__(self, code: str, last_event_hash: str, events: list):
        self.code = code
        self.last_event_hash = last_event_hash
        self.events = _LoadedEvents(events)


def verify_history(
    *, agency: str | None = None, code: str | None = None, on_problem=None, chunk: int = BATCH
) -> tuple[int, int, list[str]]:
    """Walk every dossier's chain with services.verify_chain. Returns (dossiers checked, events checked, problems);
    `on_problem` is called with each problem as it is found."""
    qs = Dossier.objects.order_by("pk")
    if agency:
        qs = qs.filter(agency__identifier=agency)
    if code:
        qs = qs.filter(code=code)
    problems: list[str] = []
    n_dossiers = n_events = 0
    last_pk = 0
    while True:
        heads = list(qs.filter(pk__gt=last_pk).values_list("pk", "code", "last_event_hash")[:chunk])
        if not heads:
            break
        last_pk = heads[-1][0]
        by_dossier: dict[int, list] = {pk: [] for pk, _, _ in heads}
        first, last = heads[0][0], heads[-1][0]
        if last - first < 2 * len(heads):
            # dense ids (the whole table, or most of it): a range scan of the (dossier, seq) index, two parameters
            # instead of a list of thousands; the few events of dossiers outside the selection are skipped
            events = DossierEvent.objects.filter(dossier_id__gte=first, dossier_id__lte=last)
        else:
            events = DossierEvent.objects.filter(dossier_id__in=list(by_dossier))
        for row in events.values_list("dossier_id", *_Event.__slots__):
            chain = by_dossier.get(row[0])
            if chain is not None:
                chain.append(_Event(row[1:]))
        for pk, c, last_hash in heads:
            found = services.verify_chain(_LoadedDossier(c, last_hash, by_dossier[pk]))
            n_dossiers += 1
            n_events += len(by_dossier[pk])
            for p in found:
                problems.append(p)
                if on_problem is not None:
                    on_problem(p)
    return n_dossiers, n_events, problems
