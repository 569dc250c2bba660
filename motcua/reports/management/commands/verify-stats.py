"""motcua verify-stats --from dd/mm/yyyy --to dd/mm/yyyy [--agency ID] [--now ISO] [--all]

Recomputes the period's statistics from the event history alone and compares them with what the statistics API
serves, in total and per agency, and the stored timing columns of each dossier with their replay. Prints a
table; exits 1 when anything differs."""

import datetime as dt
import sys

from django.core.management.base import BaseCommand, CommandError

from motcua.core.dates import YEARS_RULE, in_supported_years, option_day
from motcua.core.errors import DomainError
from motcua.reports import selectors, verify


class Command(BaseCommand):
    help = (
        "Kiểm tra độc lập số liệu thống kê từ lịch sử sự kiện hồ sơ (independent statistics check). "
        "-v 0: chỉ in bảng khi có sai lệch (mã thoát 1). / -v 0: the table only when something differs (exit 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="date_from",
            required=True,
            help="dd/mm/yyyy hoặc YYYY-MM-DD (giờ Việt Nam) / first day, Vietnam time",
        )
        parser.add_argument(
            "--to",
            dest="date_to",
            required=True,
            help="dd/mm/yyyy hoặc YYYY-MM-DD (tính cả ngày này) / last day, inclusive",
        )
        parser.add_argument(
            "--agency",
            help="Mã định danh cơ quan (gồm cả cơ quan cấp dưới) / agency identifier, with the agencies under it",
        )
        parser.add_argument(
            "--now",
            help="Thời điểm 'hiện tại' ISO 8601 (mặc định: bây giờ) / the 'now' instant (default: now)",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="In cả các cơ quan không có số liệu / also print agencies without figures",
        )

    def handle(self, *args, **opts):
        try:
            agency = selectors.agency_by_identifier(opts.get("agency"))
            now = None
            if opts.get("now"):
                try:
                    now = dt.datetime.fromisoformat(opts["now"])
                except ValueError:
                    raise CommandError(
                        f"--now: '{opts['now']}' không phải thời điểm ISO 8601, ví dụ 2025-03-04T10:00:00+07:00. / "
                        f"--now: '{opts['now']}' is not an ISO 8601 instant, e.g. 2025-03-04T10:00:00+07:00."
                    ) from None
                if not in_supported_years(now.year):  # year 1: an OverflowError
                    raise CommandError(
                        f"--now: '{opts['now']}' {YEARS_RULE[0]}. / --now: '{opts['now']}' {YEARS_RULE[1]}."
                    )
                if now.tzinfo is None:
                    now = now.replace(tzinfo=selectors.LOCAL)
            report = verify.verify(
                date_from=option_day(opts["date_from"], "--from").isoformat(),
                date_to=option_day(opts["date_to"], "--to").isoformat(),
                agency=agency,
                now=now,
            )
        except DomainError as exc:
            raise CommandError(f"{exc.message} / {exc.message_en}") from exc
        except ValueError as exc:
            raise CommandError(f"Tham số không hợp lệ / invalid argument: {exc}") from exc
        if report.ok and opts["verbosity"] == 0:
            return
        self.stdout.write(verify.render(report, all_agencies=opts["all"]))
        if not report.ok:
            sys.exit(1)
