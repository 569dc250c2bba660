"""motcua export-procedures <out.xlsx> [--current-only]"""

from django.core.management.base import BaseCommand

from motcua.catalog.importers import export_procedures


class Command(BaseCommand):
    help = (
        "Xuất danh mục thủ tục ra XLSX (hoặc CSV) cùng cột với tệp nhập. "
        "Export the catalogue to XLSX/CSV with the import's columns (every version unless --current-only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("out", help="out.xlsx | out.csv")
        parser.add_argument(
            "--current-only",
            action="store_true",
            help="Chỉ phiên bản đang hiệu lực. / Only versions in force.",
        )

    def handle(self, *args, **opts):
        n = export_procedures(opts["out"], current_only=opts["current_only"])
        self.stdout.write(f"Đã xuất {n} dòng vào {opts['out']}. / Wrote {n} rows to {opts['out']}.")
