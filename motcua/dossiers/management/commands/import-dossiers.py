"""`motcua import-dossiers <file.jsonl> [--dry-run]`: migration import of dossier histories (contract §8).

All-or-nothing: every bad line is reported (line number, Vietnamese and English reason) on stderr and the command
exits non-zero with nothing stored. Importing the same file twice changes nothing. See
motcua/dossiers/migration_io.py for the rules.

`--quiet` (or `-v 0`): errors only — no progress lines and no summary on success (the exit status says it went
well); the bad lines and the final refusal are still printed on stderr, with exit status 1.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from motcua.dossiers import migration_io


def _starts_with(path: str, prefix: bytes) -> bool:
    """True when the file's first character after a UTF-8 byte order mark and blanks is `prefix`."""
    with open(path, "rb") as fh:
        head = fh.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(prefix)


class Command(BaseCommand):
    help = "Nhập hồ sơ lịch sử từ tệp JSON Lines (mỗi dòng một hồ sơ). Import historical dossiers (JSONL)."

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            help="tệp JSON Lines, mỗi dòng một hồ sơ ('-' = đầu vào chuẩn) / JSON Lines file, one dossier per line ('-' = stdin)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="chỉ kiểm tra, không lưu / check only, store nothing"
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=10000,
            help="in tiến độ mỗi N bản ghi / progress line every N records",
        )
        parser.add_argument("--batch-size", type=int, default=migration_io.BATCH)
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="chỉ in lỗi: không in tiến độ và bản tóm tắt (mã thoát 0 là đã nhập xong) / errors only: no "
            "progress and no summary (exit status 0 means imported; same as -v 0)",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="worker processes preparing records, 0 = none (default: one per CPU, at most 4, on PostgreSQL; 0 on SQLite)",
        )

    def handle(self, *args, **opts):
        import sys

        quiet = opts["quiet"] or opts["verbosity"] == 0
        if (
            opts["jobs"] is not None and not 0 <= opts["jobs"] <= 64
        ):  # --jobs 1000 forked a thousand processes
            raise CommandError(
                f"--jobs {opts['jobs']}: số tiến trình phải từ 0 đến 64. / --jobs {opts['jobs']}: the worker "
                "processes must be 0 to 64."
            )
        source = opts["file"]
        if source == "-":
            source = sys.stdin
        elif Path(source).is_dir():
            raise CommandError(
                f"'{source}' là một thư mục, không phải tệp JSON Lines. / '{source}' is a folder, not a JSON Lines file."
            )
        elif not Path(source).is_file():
            raise CommandError(f"Không tìm thấy tệp '{source}'. / File '{source}' not found.")
        elif _starts_with(source, b"["):
            # one JSON array (a catalogue file, a pretty-printed list) would be read line by line, each line refused
            raise CommandError(
                f"Tệp '{source}' là một mảng JSON, không phải JSON Lines (mỗi dòng một hồ sơ, như motcua "
                f"export-dossiers ghi). / '{source}' is a JSON array, not JSON Lines (one dossier per line, as "
                f"motcua export-dossiers writes)."
            )
        try:
            result = migration_io.import_dossiers(
                source,
                dry_run=opts["dry_run"],
                on_problem=lambda p: self.stderr.write(str(p)),
                progress=None if quiet else self.stderr,
                progress_every=opts["progress_every"],
                batch_size=max(1, opts["batch_size"]),
                jobs=opts["jobs"] if opts["jobs"] is not None else migration_io.default_jobs(),
            )
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"Tệp không phải UTF-8 ({exc.reason}). / The file is not UTF-8 ({exc.reason})."
            ) from exc
        if not quiet:
            for line in result.summary_lines():
                self.stdout.write(line)
        if not result.ok:
            raise CommandError(
                f"{result.bad} dòng lỗi: không nhập hồ sơ nào. / {result.bad} bad line(s): nothing was imported."
            )
