"""Shared output for the catalogue import commands."""

from django.core.management.base import CommandError

from motcua.catalog.importers import ImportReport


def finish(command, report: ImportReport) -> None:
    for problem in report.errors:
        command.stderr.write(str(problem))
    for problem in report.warnings:
        command.stdout.write(str(problem))
    command.stdout.write(report.summary())
    if report.errors:
        raise CommandError(
            f"{len(report.errors)} lỗi — không lưu gì. / {len(report.errors)} error(s) — nothing stored.",
            returncode=1,
        )
