"""`motcua demo-history [--months 12] [--scale 1] [--seed 7] [--dry-run]`: a year of realistic dossier history at
the demo agencies, stored through the migration import (motcua/dossiers/demo_history.py). Run after `motcua demo`;
a second run changes nothing."""

from django.core.management.base import BaseCommand, CommandError

from motcua.dossiers import demo_history


class Command(BaseCommand):
    help = (
        "Nạp lịch sử hồ sơ một năm cho các cơ quan demo (để xem số liệu thống kê, xếp hạng, chỉ số 766). "
        "Load a year of dossier history at the demo agencies (statistics, rankings, the 766 index)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=12, help="months of history up to today (1–36)")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="volume factor (0.01–50; 1 ≈ 5,500 a year)"
        )
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--dry-run", action="store_true", help="check only, store nothing")

    def handle(self, *args, **opts):
        if not 1 <= opts["months"] <= 36:
            raise CommandError("--months phải từ 1 đến 36. / --months must be 1–36.")
        if not 0.01 <= opts["scale"] <= 50:
            raise CommandError("--scale phải từ 0,01 đến 50. / --scale must be 0.01–50.")
        result = demo_history.load(
            stdout=self.stdout,
            months=opts["months"],
            scale=opts["scale"],
            seed=opts["seed"],
            dry_run=opts["dry_run"],
        )
        if result is not None and not result.ok:
            raise CommandError(
                "Lịch sử demo không nạp được (lỗi ở trên). / The demo history could not be loaded (see above)."
            )
