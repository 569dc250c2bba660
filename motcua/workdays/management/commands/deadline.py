"""`motcua deadline --start <ISO> --working-days <N>` (or `--hours H`, `--agency ID`): counting start and due instant.

The due instant (ISO 8601, +07:00) is the LAST line of the output, for scripts."""

from django.core.management.base import BaseCommand, CommandError

from motcua.core.errors import DomainError
from motcua.workdays import services
from motcua.workdays.api import MAX_HOURS, MAX_WORKING_DAYS, _agency, parse_amount, parse_instant
from motcua.workdays.calendar import TZ


class Command(BaseCommand):
    help = (
        "Tính thời điểm bắt đầu tính và hạn giải quyết (Compute the counting start and due instant). "
        "The due instant is printed on the last line. -v 0: chỉ in dòng đó. / -v 0: that line alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--start",
            required=True,
            help="thời điểm tiếp nhận / reception instant, ISO 8601 (no offset = local)",
        )
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument(
            "--working-days", dest="working_days", help="số ngày làm việc / working days (e.g. 3, 0.5)"
        )
        group.add_argument("--hours", help="số giờ làm việc / working hours")
        parser.add_argument("--agency", help="mã định danh cơ quan / agency identifier (default: national)")

    def handle(self, *args, **opts):
        try:
            start = parse_instant(opts["start"], "--start")
            if opts.get("working_days") is not None:
                days = parse_amount(opts["working_days"], "--working-days", MAX_WORKING_DAYS)
                hours = days * 8
            else:
                days = None
                hours = parse_amount(opts["hours"], "--hours", MAX_HOURS)
            agency = _agency(opts.get("agency"))
            result = services.compute_deadline(start, hours=hours, agency=agency)
        except DomainError as exc:
            raise CommandError(f"{exc.message} / {exc.message_en}") from exc
        if opts["verbosity"] == 0:
            self.stdout.write(result.due_at.isoformat())
            return
        label = f"{days} ngày làm việc / working days" if days is not None else f"{hours} giờ / hours"
        out = self.stdout
        out.write(f"Tiếp nhận / received:              {start.astimezone(TZ).isoformat()}")
        out.write(f"Thời hạn / limit:                  {label}")
        if agency is not None:
            out.write(f"Cơ quan / agency:                  {agency.identifier} — {agency.name}")
        out.write(f"Bắt đầu tính / counting starts at: {result.counting_starts_at.isoformat()}")
        out.write(f"Hạn trả kết quả / due at:          {result.due_at.strftime('%d/%m/%Y %H:%M')}")
        out.write(result.due_at.isoformat())
