"""`motcua send-outbox`: deliver due notifications and retry failed ones (run from cron, e.g. every minute).
Safe to run concurrently: each message is claimed by exactly one sender."""

from django.core.management.base import BaseCommand

from motcua.notifications.services import send_outbox


class Command(BaseCommand):
    help = "Gửi các thông báo đến hạn trong hộp thư đi (thử lại các lần gửi lỗi). / Send due outbox notifications."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="Tối đa số thông báo mỗi lần chạy.")

    def handle(self, *args, limit: int, **options):
        if limit <= 0:
            self.stderr.write("--limit phải là số dương. / --limit must be positive.")
            raise SystemExit(2)
        c = send_outbox(limit=limit)
        self.stdout.write(
            f"Đã gửi {c['sent']}, hẹn gửi lại {c['retry']}, gửi lỗi {c['failed']}, bỏ qua {c['skipped']}, "
            f"thu hồi {c['released']}. (sent={c['sent']} retry={c['retry']} failed={c['failed']} "
            f"skipped={c['skipped']} released={c['released']})"
        )
