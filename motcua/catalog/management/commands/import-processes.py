"""motcua import-processes <file> [--dry-run]"""

from django.core.management.base import BaseCommand, CommandError

from motcua.catalog.importers import ImportFileError, import_processes_file
from motcua.catalog.management.commands._importcmd import finish


class Command(BaseCommand):
    help = (
        "Nhập quy trình nội bộ (dạng reference/internal_processes.json); tổng thời gian các bước phải bằng thời hạn "
        "giải quyết. Import internal process templates (all-or-nothing, idempotent). "
        "-v 0: chỉ in lỗi, không in cảnh báo và tóm tắt. / -v 0: errors only, no warnings or summary."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="internal_processes.json")
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra, không lưu. / Check only.")

    def handle(self, *args, **opts):
        try:
            report = import_processes_file(opts["file"], dry_run=opts["dry_run"])
        except ImportFileError as exc:
            raise CommandError(f"{exc.message} / {exc.message_en}", returncode=1) from exc
        finish(self, report, opts["verbosity"])
