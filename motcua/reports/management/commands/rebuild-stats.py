"""motcua rebuild-stats

Recounts the statistics summary table (ADR 0017) from the stored dossier columns in one transaction and prints
what changed. The table is maintained by database triggers, so on a healthy database nothing changes; use it after
writing dossiers with triggers disabled (e.g. bench/generate_province.py) or to repair a table reported by
`motcua verify-stats`."""

import time

from django.core.management.base import BaseCommand

from motcua.reports import summary
from motcua.reports.verify import _cell


class Command(BaseCommand):
    help = (
        "Tính lại bảng tổng hợp thống kê từ hồ sơ (recount the statistics summary table). "
        "-v 0: không in gì trừ lỗi. / -v 0: nothing but errors."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=20,
            help="Số ô thay đổi in ra tối đa (mặc định 20) / at most this many changed cells printed",
        )

    def handle(self, *args, **opts):
        t = time.perf_counter()
        result = summary.rebuild()
        seconds = time.perf_counter() - t
        if opts["verbosity"] == 0:
            return
        added, removed, changed = result["added"], result["removed"], result["changed"]
        self.stdout.write(
            f"Bảng tổng hợp: {result['cells']} ô; thêm {len(added)}, bỏ {len(removed)}, sửa {len(changed)} "
            f"({seconds:.1f} s) / summary table: {result['cells']} cells; {len(added)} added, {len(removed)} "
            f"removed, {len(changed)} changed"
        )
        limit = opts["limit"]
        for cell in added[:limit]:
            self.stdout.write(f"  + {_cell(cell)}")
        for cell in removed[:limit]:
            self.stdout.write(f"  - {_cell(cell)}")
        for cell, old, new in changed[:limit]:
            diff = ", ".join(f"{k} {old[k]}→{new[k]}" for k in old if old[k] != new[k])
            self.stdout.write(f"  ~ {_cell(cell)}: {diff}")
