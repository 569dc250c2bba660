"""`motcua remind-apologies`: remind the responsible people of open dossiers that are due within 2 working days,
have no apology yet and for which an apology (Form 04) can still be sent (at least one working day before the
due date). Prints the reminders; with --email also e-mails each responsible person through the notification
outbox (retried like every notification) — once per person, dossier and day, so cron may run it every hour."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motcua.core.text import identifier_form
from motcua.dossiers import selectors, services
from motcua.dossiers.pdf import fmt_date, fmt_dt
from motcua.org.selectors import heads_of


def responsible_people(dossier) -> list:
    """The current step's assignee, and the unit heads and leaders of the dossier's agency."""
    people = []
    step = services.current_step(dossier)
    if step is not None and step.assignee_id:
        people.append(step.assignee)
    return people + [u for u in heads_of(dossier.agency) if u not in people]


def _queue(dossier, people, now, started) -> int:
    """Queue today's reminder e-mail of `dossier` for each of `people` with an address; returns how many are new
    (the outbox's key is the dossier, the person and the day: a person already reminded today gets the existing
    row back from `notify`, which was queued before `started`)."""
    from motcua.notifications.services import notify
    from motcua.notifications.signals import site_url

    day = timezone.localtime(now).date().isoformat()
    context = {
        "code": dossier.code,
        "procedure_name": dossier.procedure.name,
        "applicant_name": dossier.applicant_name,
        "due_at": fmt_dt(dossier.due_at),
        "apology_deadline": fmt_date(dossier.apology_deadline),
        "staff_url": f"{site_url()}/staff/dossiers/{dossier.code}/",
    }
    new = 0
    for user in people:
        if not user.email:
            continue
        rows = notify(
            recipient_email=user.email,
            template="apology_reminder",
            context={**context, "name": user.get_full_name() or user.get_username()},
            key=f"apology-reminder:{dossier.pk}:{user.pk}:{day}",
        )
        new += sum(1 for row in rows if row.created_at >= started)
    return new


class Command(BaseCommand):
    help = (
        "Nhắc gửi thư xin lỗi, hẹn lại ngày trả (Mẫu 04) cho hồ sơ sắp đến hạn (remind about apologies due). "
        "-v 0: không in dòng 'không có hồ sơ' và dòng tổng; với --email không in gì trừ lỗi (cho cron). / -v 0: "
        "no 'nothing to remind' line and no total; with --email nothing but errors (for cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            help="Thời điểm kiểm tra (ISO 8601), mặc định: bây giờ / the instant checked (default: now)",
        )
        parser.add_argument(
            "--agency", help="Chỉ cơ quan có mã định danh này / only the agency with this identifier"
        )
        parser.add_argument(
            "--email",
            action="store_true",
            help="Gửi thư điện tử cho người có trách nhiệm / e-mail the people responsible",
        )

    def handle(self, *args, **options):
        now = timezone.now()
        if options.get("at"):
            try:
                now = dt.datetime.fromisoformat(options["at"])
            except ValueError as exc:
                raise CommandError(
                    f"--at: '{options['at']}' không phải thời điểm ISO 8601, ví dụ 2025-03-04T10:00:00+07:00. / "
                    f"--at: '{options['at']}' is not an ISO 8601 instant, e.g. 2025-03-04T10:00:00+07:00."
                ) from exc
            if not 1990 <= now.year <= 2100:  # the calendar's reach; year 1 or 9999 overflowed the local date
                raise CommandError(
                    f"--at: '{options['at']}' phải thuộc các năm 1990–2100. / "
                    f"--at: '{options['at']}' must be within the years 1990-2100."
                )
            if now.tzinfo is None:
                now = timezone.make_aware(now)
        agency_ids = None
        if options.get("agency"):
            from motcua.org.models import Agency

            agency = Agency.objects.filter(identifier=identifier_form(options["agency"])).first()
            if agency is None:
                raise CommandError(
                    f"Không có cơ quan mã định danh '{options['agency']}'. / No agency with identifier "
                    f"'{options['agency']}'."
                )
            agency_ids = {agency.pk}
        found = selectors.apology_candidates(None, now=now, agency_ids=agency_ids)
        quiet = options.get("verbosity", 1) == 0
        if not found:
            if not quiet:
                self.stdout.write("Không có hồ sơ cần nhắc gửi thư xin lỗi (no apology reminders).")
            return
        sent, started = 0, timezone.now()
        for d in found:
            people = responsible_people(d)
            names = ", ".join(f"{u.get_full_name() or u.username} ({u.username})" for u in people) or "—"
            line = (
                f"{d.code} — {d.applicant_name} — {d.procedure.name[:60]}: hẹn trả {fmt_dt(d.due_at)}; "
                f"gửi thư xin lỗi (Mẫu 04) chậm nhất ngày {fmt_date(d.apology_deadline)}. Nhắc: {names}"
            )
            if not (quiet and options.get("email")):  # without --email the lines are the command's result
                self.stdout.write(line)
            if options.get("email"):
                sent += _queue(d, people, now, started)
        if quiet:
            return
        self.stdout.write(
            f"{len(found)} hồ sơ cần nhắc"
            + (
                f"; {sent} thư nhắc mới vào hộp thư đi (mỗi người một thư mỗi ngày)."
                if options.get("email")
                else "."
            )
        )
