"""The statistics summary table (ADR 0017): counts per (local month, receiving agency, effective field, channel),
maintained by database triggers in the same transaction as every write of the dossier table."""

from django.db import models

MEASURES = (
    "received",
    "resolved",
    "early",
    "on_time",
    "late",
    "stopped",
    "refused",
    "opened",
    "closed",
    "overdue_from",
    "overdue_to",
    "timed",
    "processing_seconds",
)


class StatsCell(models.Model):
    """One cell. `month` = the first day of the local (UTC+07:00) month of each instant counted; `field_id` = the
    dossier's field snapshot, else its procedure's field (0 if neither). Measures:

    - received / resolved (+ early / on_time / late) / stopped / refused: dossiers whose instant falls in the month;
    - opened / closed: a received dossier opens in the month of received_at and closes in the month of
      close = min(resolved_at, stopped_at) — only when it is pending at some instant (received_at < close or no
      close), so that pending at a month start M = sum over months < M of (opened - closed);
    - overdue_from / overdue_to: the same for "pending overdue": from max(received_at, due_at) to the close, only
      when the dossier has a due instant and max(received_at, due_at) < close (or no close);
    - timed / processing_seconds: in the month of resolved_at, the resolved dossiers with a stored processing
      time and the sum of those times (Decision 766 indicator 2.2 = processing_seconds / timed / 8 h).
    """

    month = models.DateField()
    agency_id = models.BigIntegerField()
    field_id = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    received = models.BigIntegerField(default=0)
    resolved = models.BigIntegerField(default=0)
    early = models.BigIntegerField(default=0)
    on_time = models.BigIntegerField(default=0)
    late = models.BigIntegerField(default=0)
    stopped = models.BigIntegerField(default=0)
    refused = models.BigIntegerField(default=0)
    opened = models.BigIntegerField(default=0)
    closed = models.BigIntegerField(default=0)
    overdue_from = models.BigIntegerField(default=0)
    overdue_to = models.BigIntegerField(default=0)
    timed = models.BigIntegerField(default=0)
    processing_seconds = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency_id", "field_id", "channel"], name="statscell_cell"
            )
        ]
        indexes = [models.Index(fields=["agency_id", "month"], name="statscell_agency_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} a{self.agency_id} f{self.field_id} {self.channel}"
