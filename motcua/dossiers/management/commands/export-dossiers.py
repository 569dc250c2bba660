"""`motcua export-dossiers [--from dd/mm/yyyy --to dd/mm/yyyy] [--agency ID [--subtree]] [-o file]`: dossiers as JSON Lines in
the migration import format (contract §8), stdout by default. Export then import into an empty database gives the
same stored timings and statistics.

`--quiet` (or `-v 0`): nothing but the dossiers' lines — no progress and no closing summary; with `-o` nothing is
printed at all. Errors still go to stderr with a non-zero exit status."""

import sys

from django.core.management.base import BaseCommand, CommandError

from motcua.core.dates import option_day
from motcua.core.text import identifier_form
from motcua.dossiers import migration_io
from motcua.org.models import Agency


class Command(BaseCommand):
    help = "Xuất hồ sơ ra tệp JSON Lines (định dạng nhập). Export dossiers as JSON Lines (import format)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="date_from",
            help="ngày đầu (ngày đăng ký) / first day (registration date), dd/mm/yyyy or YYYY-MM-DD",
        )
        parser.add_argument(
            "--to",
            dest="date_to",
            help="ngày cuối (tính cả ngày này) / last day (inclusive), dd/mm/yyyy or YYYY-MM-DD",
        )
        parser.add_argument(
            "--agency",
            help="mã định danh cơ quan, chỉ hồ sơ của cơ quan đó / agency identifier, e.g. 000.00.21.H26: that "
            "agency's dossiers only (see --subtree)",
        )
        parser.add_argument(
            "--subtree",
            action="store_true",
            help="cùng --agency: cả hồ sơ của các cơ quan cấp dưới / with --agency: also the dossiers of every agency under it (a district with its wards), as the "
            "statistics count an agency",
        )
        parser.add_argument(
            "-o", "--output", help="tệp ghi ra (mặc định: màn hình) / output file (default: stdout)"
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="không in tiến độ và dòng tóm tắt: đầu ra chuẩn chỉ có các dòng hồ sơ (với -o: không in gì), lỗi "
            "vẫn in và trả mã lỗi / no progress and no summary: stdout holds only the dossiers' lines (with -o: "
            "nothing is printed); errors are still printed with a non-zero exit status (same as -v 0)",
        )

    def handle(self, *args, **opts):
        opts["agency"] = identifier_form(opts["agency"]) or None  # `--agency 000.00.21.h26` is 000.00.21.H26
        date_from = option_day(opts["date_from"], "--from") if opts["date_from"] else None
        date_to = option_day(opts["date_to"], "--to") if opts["date_to"] else None
        if date_from and date_to and date_from > date_to:
            raise CommandError("'--from' phải trước hoặc bằng '--to'. / '--from' must not be after '--to'.")
        if opts["agency"] and not Agency.objects.filter(identifier=opts["agency"]).exists():
            raise CommandError(f"Không có cơ quan '{opts['agency']}'. / Unknown agency '{opts['agency']}'.")
        if opts["subtree"] and not opts["agency"]:
            raise CommandError("'--subtree' cần '--agency'. / '--subtree' needs '--agency'.")
        filters = dict(date_from=date_from, date_to=date_to, agency=opts["agency"], subtree=opts["subtree"])
        quiet = opts["quiet"] or opts["verbosity"] == 0
        progress = None if quiet or not opts["output"] else sys.stderr
        if opts["output"]:
            try:
                fh = open(opts["output"], "w", encoding="utf-8")
            except OSError as exc:
                raise CommandError(
                    f"Không ghi được tệp '{opts['output']}': {exc.strerror}. / Cannot write '{opts['output']}': "
                    f"{exc.strerror}."
                ) from exc
            with fh:
                n = migration_io.export_dossiers(fh, progress=progress, **filters)
            if not quiet:
                self.stderr.write(f"Đã xuất {n} hồ sơ vào {opts['output']}. / Exported {n} dossiers.")
        else:
            migration_io.export_dossiers(self.stdout._out, **filters)
