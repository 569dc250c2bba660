"""motcua export-procedures <out.xlsx> [--current-only]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from motcua.catalog.importers import export_procedures


class Command(BaseCommand):
    help = (
        "Xuất danh mục thủ tục ra XLSX (hoặc CSV) cùng cột với tệp nhập. "
        "Export the catalogue to XLSX/CSV with the import's columns (every version unless --current-only). "
        "-v 0: chỉ in lỗi. / -v 0: errors only."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="out.xlsx | out.csv")
        parser.add_argument(
            "--current-only",
            action="store_true",
            help="Chỉ phiên bản đang hiệu lực. / Only versions in force.",
        )

    def handle(self, *args, **opts):
        suffix = Path(opts["out"]).suffix.lower()
        if suffix not in (".xlsx", ".csv"):
            # anything else was written as XLSX under that name, which import-procedures then refuses
            raise CommandError(
                f"Tên tệp phải kết thúc bằng .xlsx hoặc .csv (không phải '{suffix}'). / The file name must end in "
                f".xlsx or .csv (not '{suffix}')."
            )
        try:
            n = export_procedures(opts["out"], current_only=opts["current_only"])
        except OSError as exc:
            raise CommandError(
                f"Không ghi được tệp '{opts['out']}': {exc.strerror}. / Cannot write '{opts['out']}': {exc.strerror}."
            ) from exc
        if opts["verbosity"] > 0:
            self.stdout.write(f"Đã xuất {n} dòng vào {opts['out']}. / Wrote {n} rows to {opts['out']}.")
