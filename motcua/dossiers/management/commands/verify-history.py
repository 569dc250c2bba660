"""`motcua verify-history [--agency ID] [--code CODE]`: recompute every dossier's hash chain
(services.verify_chain) and name each break; exits non-zero when any chain is broken."""

from django.core.management.base import BaseCommand, CommandError

from motcua.dossiers import migration_io


class Command(BaseCommand):
    help = "Kiểm tra chuỗi băm lịch sử của mọi hồ sơ. Verify every dossier's hash-chained history."

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="only this agency's dossiers")
        parser.add_argument("--code", help="only this dossier")

    def handle(self, *args, **opts):
        n_dossiers, n_events, problems = migration_io.verify_history(
            agency=opts["agency"], code=opts["code"], on_problem=lambda p: self.stderr.write(f"BROKEN {p}")
        )
        broken = len({p.split(":", 1)[0] for p in problems})
        self.stdout.write(
            f"Đã kiểm tra {n_dossiers} hồ sơ, {n_events} sự kiện; {broken} hồ sơ bị sai lệch. / "
            f"Checked {n_dossiers} dossiers, {n_events} events; {broken} broken."
        )
        if problems:
            raise CommandError(
                f"Lịch sử của {broken} hồ sơ đã bị sửa đổi. / The history of {broken} dossier(s) was altered."
            )
