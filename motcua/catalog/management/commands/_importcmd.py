"""Shared output for the catalogue import commands."""

from django.core.management.base import CommandError

from motcua.catalog.importers import ImportReport


def finish(command, report: ImportReport, verbosity: int = 1) -> None:
    """Errors on stderr and a non-zero exit; the warnings and the summary on stdout, except with `-v 0` (errors
    only, for scripts: the exit status says it went through)."""
    for problem in report.errors:
        command.stderr.write(str(problem))
    if verbosity > 0:
        for problem in report.warnings:
            command.stdout.write(str(problem))
        command.stdout.write(report.summary())
    if report.errors:
        raise CommandError(
            f"{len(report.errors)} lỗi — không lưu gì. / {len(report.errors)} error(s) — nothing stored.",
            returncode=1,
        )
