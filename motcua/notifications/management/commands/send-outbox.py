"""`motcua send-outbox`: deliver due notifications and retry failed ones — once (run from cron, e.g. every minute),
or with `--watch [SECONDS]` as a long-running sender that looks for due rows every few seconds (a systemd service
or a container beside the web server; with `MOTCUA_NOTIFY_ON_COMMIT=0` no request waits on a mail server or an SMS
provider). Safe to run concurrently: each message is claimed by exactly one sender."""

import argparse
import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections, connection

from motcua.notifications.services import send_outbox


def _summary(c: dict) -> str:
    return (
        f"Đã gửi {c['sent']}, hẹn gửi lại {c['retry']}, gửi lỗi {c['failed']}, bỏ qua {c['skipped']}, "
        f"thu hồi {c['released']}. (sent={c['sent']} retry={c['retry']} failed={c['failed']} "
        f"skipped={c['skipped']} released={c['released']})"
    )


class Command(BaseCommand):
    help = (
        "Gửi các thông báo đến hạn trong hộp thư đi (thử lại các lần gửi lỗi). / Send due outbox notifications. "
        "-v 0 (cho cron): chỉ in lỗi, không in tóm tắt. / -v 0 (for cron): errors only, no summary."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=500,
            help="Tối đa số thông báo mỗi lần chạy. / At most this many notifications per run.",
        )
        parser.add_argument(
            "--watch",
            type=float,
            nargs="?",
            const=5.0,
            default=None,
            metavar="SECONDS",
            help="Chạy liên tục, tìm thông báo đến hạn mỗi SECONDS giây (mặc định 5; 1–3600) cho đến khi bị dừng "
            "(SIGTERM, Ctrl-C). / Keep running, looking for due notifications every SECONDS seconds.",
        )
        # for tests: stop after this many passes
        parser.add_argument("--passes", type=int, default=None, help=argparse.SUPPRESS)

    def handle(self, *args, limit: int, watch: float | None, passes: int | None, **options):
        self.quiet = options.get("verbosity", 1) == 0
        if limit <= 0:
            self.stderr.write("--limit phải là số dương. / --limit must be positive.")
            raise SystemExit(2)
        if watch is None:
            counts = send_outbox(limit=limit)
            if not self.quiet:
                self.stdout.write(_summary(counts))
            return
        if not 1 <= watch <= 3600:
            raise CommandError("--watch phải từ 1 đến 3600 giây. / --watch must be 1–3600 seconds.")
        self._watch(limit, watch, passes)

    def _watch(self, limit: int, seconds: float, passes: int | None) -> None:
        stop = threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():  # signals can only be set there
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, lambda *_: stop.set())
        self._say(
            f"Đang gửi thông báo, kiểm tra mỗi {seconds:g} giây; dừng bằng SIGTERM hoặc Ctrl-C. "
            f"(watching the outbox every {seconds:g} s)"
        )
        done = 0
        try:
            while not stop.is_set():
                close_old_connections()  # a connection the database dropped is replaced, as between requests
                handled = 0
                try:
                    c = send_outbox(limit=limit)
                except DatabaseError as exc:  # the database restarting: say so, keep the sender alive
                    self.stderr.write(f"Lỗi cơ sở dữ liệu, thử lại sau. / Database error, retrying: {exc}")
                    connection.close()
                else:
                    handled = c["sent"] + c["retry"] + c["failed"] + c["skipped"]
                    if handled or c["released"]:
                        self._say(_summary(c))
                done += 1
                if passes is not None and done >= passes:
                    break
                if handled < limit:  # a full batch means more are due: go again at once
                    stop.wait(seconds)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            connection.close()
        self._say("Đã dừng. / Stopped.")

    def _say(self, line: str) -> None:
        if not getattr(self, "quiet", False):
            self.stdout.write(line)
