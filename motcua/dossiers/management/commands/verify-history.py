"""`motcua verify-history [--agency ID] [--code CODE] [--files]`: recompute every dossier's hash chain
(services.verify_chain) and name each break; with `--files`, also read every stored file back and compare its
SHA-256 with the one recorded at upload (documents.verify_files) — after a restore or a storage move. Exits
non-zero when any chain is broken or any file is missing or different."""

from django.core.management.base import BaseCommand, CommandError

from motcua.core.text import code_forms, identifier_form
from motcua.dossiers import migration_io


class Command(BaseCommand):
    help = (
        "Kiểm tra chuỗi băm lịch sử của mọi hồ sơ. Verify every dossier's hash-chained history. "
        "-v 0: chỉ in các sai lệch (mã thoát khác 0), không in tóm tắt. / -v 0: only what is broken (non-zero exit), "
        "no summary."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--agency", help="chỉ hồ sơ của cơ quan này (mã định danh) / only this agency's dossiers"
        )
        parser.add_argument("--code", help="chỉ hồ sơ này (mã hồ sơ) / only this dossier")
        parser.add_argument(
            "--files",
            action="store_true",
            help="kiểm tra cả mọi tệp đã lưu theo SHA-256 ghi khi nộp / also check every stored file against its "
            "recorded SHA-256",
        )

    def handle(self, *args, **opts):
        # An identifier as typed (`000.00.21.h26` is 000.00.21.H26); a dossier code as typed, else upper-cased (an
        # imported code is kept as it came, so the typed form is tried first).
        opts["agency"] = identifier_form(opts["agency"]) or None
        # A mistyped identifier or code would otherwise check nothing and exit 0, which reads as "all is well".
        if opts["agency"]:
            from motcua.org.models import Agency

            if not Agency.objects.filter(identifier=opts["agency"]).exists():
                raise CommandError(
                    f"Không có cơ quan mã định danh '{opts['agency']}'. / No agency with identifier "
                    f"'{opts['agency']}'."
                )
        if opts["code"]:
            from motcua.dossiers.models import Dossier

            found = next(
                (c for c in code_forms(opts["code"]) if Dossier.objects.filter(code=c).exists()), None
            )
            if found is None:
                raise CommandError(
                    f"Không có hồ sơ mã '{opts['code']}'. / No dossier with code '{opts['code']}'."
                )
            opts["code"] = found
        n_dossiers, n_events, problems = migration_io.verify_history(
            agency=opts["agency"], code=opts["code"], on_problem=lambda p: self.stderr.write(f"BROKEN {p}")
        )
        broken = len({p.split(":", 1)[0] for p in problems})
        summary = opts["verbosity"] > 0
        if summary:
            self.stdout.write(
                f"Đã kiểm tra {n_dossiers} hồ sơ, {n_events} sự kiện; {broken} hồ sơ bị sai lệch. / "
                f"Checked {n_dossiers} dossier(s), {n_events} event(s); {broken} broken."
            )
        bad_files = []
        if opts["files"]:
            from motcua.dossiers.documents import verify_files

            n_files, bad_files = verify_files(
                agency=opts["agency"], code=opts["code"], on_problem=lambda p: self.stderr.write(f"FILE {p}")
            )
            if summary:
                self.stdout.write(
                    f"Đã kiểm tra {n_files} tệp; {len(bad_files)} tệp thiếu, không đọc được hoặc sai khác. / "
                    f"Checked {n_files} file(s); {len(bad_files)} missing, unreadable or different."
                )
        if problems:
            raise CommandError(
                f"Lịch sử của {broken} hồ sơ đã bị sửa đổi. / The history of {broken} dossier(s) was altered."
            )
        if bad_files:
            raise CommandError(
                f"{len(bad_files)} tệp thiếu hoặc khác với khi nộp. / {len(bad_files)} file(s) missing or different."
            )
