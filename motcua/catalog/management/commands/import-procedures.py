"""motcua import-procedures <file> [--dry-run] [--effective-from dd/mm/yyyy]"""

from django.core.management.base import BaseCommand, CommandError

from motcua.catalog.importers import ImportFileError, import_procedures_file
from motcua.catalog.management.commands._importcmd import finish
from motcua.core.dates import option_day


class Command(BaseCommand):
    help = (
        "Nhập danh mục thủ tục hành chính từ JSON/CSV/XLSX (dạng reference/procedures.json). "
        "Import the procedure catalogue (all-or-nothing, idempotent; a changed record adds a new version). "
        "-v 0: chỉ in lỗi, không in cảnh báo và tóm tắt. / -v 0: errors only, no warnings or summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="procedures.json | .csv | .xlsx")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không lưu. / Check only.")
        parser.add_argument(
            "--effective-from",
            help="Ngày hiệu lực (dd/mm/yyyy) cho bản ghi không ghi effective_from (mặc định: hôm nay). / Default: today.",
        )

    def handle(self, *args, **opts):
        effective_from = (
            option_day(opts["effective_from"], "--effective-from") if opts.get("effective_from") else None
        )
        try:
            report = import_procedures_file(
                opts["file"], dry_run=opts["dry_run"], effective_from=effective_from
            )
        except ImportFileError as exc:
            raise CommandError(f"{exc.message} / {exc.message_en}", returncode=1) from exc
        finish(self, report, opts["verbosity"])
