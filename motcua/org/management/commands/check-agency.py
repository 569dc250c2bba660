from django.core.management.base import BaseCommand, CommandError

from motcua.core.text import identifier_form
from motcua.org.models import Agency
from motcua.org.readiness import ERROR, agency_findings, calendar_findings


class Command(BaseCommand):
    help = (
        "Kiểm tra cơ quan đã sẵn sàng tiếp nhận hồ sơ: cán bộ theo vai trò, thủ tục niêm yết, quy trình nội bộ, lịch "
        "làm việc. Thoát với mã 1 khi có lỗi. / Check that agencies are ready to take dossiers: staff by role, listed "
        "procedures, internal processes, the calendar. Exits 1 when there is an error."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "identifiers",
            nargs="*",
            help="mã định danh cơ quan; không ghi: mọi cơ quan đang hoạt động / agency identifiers; none: every "
            "active agency",
        )
        parser.add_argument(
            "--errors-only",
            action="store_true",
            help="chỉ in lỗi, không in cảnh báo / errors only, no warnings",
        )

    def handle(self, *args, identifiers, errors_only, **options):
        quiet = options["verbosity"] == 0  # -v 0, as the other commands: the errors alone, no summary
        errors_only = errors_only or quiet
        if identifiers:
            wanted = [identifier_form(i) for i in identifiers]
            found = {a.identifier: a for a in Agency.objects.filter(identifier__in=wanted)}
            unknown = [i for i in wanted if i not in found]
            if unknown:
                raise CommandError(
                    f"Không có cơ quan mã {', '.join(unknown)}. / No agency {', '.join(unknown)}."
                )
            agencies = [found[i] for i in wanted]
        else:
            agencies = list(Agency.objects.filter(active=True).order_by("path"))
        errors = warnings = 0
        ready = 0
        for agency in agencies:
            every = agency_findings(agency)
            # ready: nothing stops its dossiers (warnings are worked around), whatever is printed
            ready += not any(f.level == ERROR for f in every)
            findings = [f for f in every if not errors_only or f.level == ERROR]
            if not findings:
                if options["verbosity"] >= 2:
                    self.stdout.write(f"{agency.identifier} {agency.name}: sẵn sàng / ready")
                continue
            self.stdout.write(f"{agency.identifier} {agency.name}")
            for f in findings:
                label = "LỖI / ERROR" if f.level == ERROR else "cảnh báo / warning"
                self.stdout.write(f"  {label} [{f.code}] {f.message} / {f.message_en}")
                errors += f.level == ERROR
                warnings += f.level != ERROR
        if not errors_only:
            for f in calendar_findings():
                self.stdout.write(
                    f"Lịch / Calendar: cảnh báo / warning [{f.code}] {f.message} / {f.message_en}"
                )
                warnings += 1
        if not quiet:
            n = len(agencies)
            self.stdout.write(
                f"{n} cơ quan: {ready} sẵn sàng tiếp nhận (không có lỗi), {errors} lỗi, {warnings} cảnh báo. / "
                f"{n} {'agency' if n == 1 else 'agencies'}: {ready} ready (no errors), {errors} "
                f"error{'' if errors == 1 else 's'}, {warnings} warning{'' if warnings == 1 else 's'}."
            )
        if errors:
            raise SystemExit(1)
