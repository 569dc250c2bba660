"""Pending within or overdue at a past instant, when the dossier's clock stopped or resumed after it.

The aggregate statistics (selectors `_conditions`, the summary table of ADR 0017) classify a dossier pending at E
by its *current* `due_at` and `paused_since`. That is the dossier's state at E unless a pause started or ended
after E: a resumed pause moves `due_at` later (contract §5, §7), so a dossier already overdue at the end of March
would read "within" once its supplement, asked in April, came back in May — a quarter's published figures would
change after the fact. The state at E is what the events before E made it: the `due_at` recorded by the last
reception or resume before E, and the pause open at E, if any.

Only the dossiers pending at E whose clock stopped or resumed at or after E can differ; they are few (a pause is
rare, and E is in the past), found by the dossier's `clock_changed_at` (the lifecycle sets it whenever
`paused_since` is set or cleared; a partial index). For those, the classification at E is computed from their
events and the difference from the aggregate's is returned, for the callers to add.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT

from motcua.dossiers.lifecycle import PAUSE_ACTIONS, RESUME_ACTIONS
from motcua.dossiers.models import DossierEvent

CLOCK_ACTIONS = PAUSE_ACTIONS | RESUME_ACTIONS


def within(due_at: dt.datetime | None, paused_since: dt.datetime | None, e: dt.datetime) -> bool:
    """Contract §5 at instant `e` for a dossier pending then: within if e <= due_at (or no due instant), or if its
    clock stopped before its due instant and is still stopped (the due instant moves by the paused time)."""
    return due_at is None or e <= due_at or (paused_since is not None and paused_since <= due_at)


def _instant(value) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def clock_before(events, fallback_due: dt.datetime | None) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(due instant, open pause's start) after `events` ((action, at, the due instant its data records, as text or
    None) in sequence order): the due instant the last reception or resume recorded, and a pause asked after
    reception and not yet ended."""
    due, paused, received = fallback_due, None, False
    for action, at, recorded_text in events:
        recorded = _instant(recorded_text)
        if action == "receive":
            received = True
            due = recorded or due
        elif action in PAUSE_ACTIONS and received and paused is None:
            paused = at
        elif action in RESUME_ACTIONS:
            paused = None
            due = recorded or due
        elif action in ("stop", "resolve"):
            paused = None
    return due, paused


@dataclass(frozen=True)
class Changed:
    """A dossier pending at E whose classification at E differs from the aggregate's (by its current columns)."""

    pk: int
    group: tuple
    within: bool  # its true classification at E


def changed_since(qs: QuerySet, e: dt.datetime, now: dt.datetime, groups: tuple = ()) -> list[Changed]:
    """The dossiers of `qs` pending at `e` whose classification at `e` differs from the one their current columns
    give, with the values of the `groups` expressions; none when `e` is now or later (no event is later yet). One
    query for the candidates, and one more for their events when there are any."""
    if e >= now:
        return []
    names = {f"_asof_g{i}": expr for i, expr in enumerate(groups)}
    # the candidates: pending at E, the clock last stopped or resumed at or after E (the partial index
    # (clock_changed_at, received_at): a few rows, never the period's whole history), and due at reception before
    # E: a due instant only moves later, so a dossier whose first one is at or after E is within at E by any
    # reckoning, and one that differs is past its first due instant at E
    base = qs.filter(
        Q(clock_changed_at__gte=e, received_at__lt=e, initial_due_at__lt=e)
        & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=e))
        & (Q(stopped_at__isnull=True) | Q(stopped_at__gte=e))
    )
    rows = list(base.annotate(**names).order_by().values_list("pk", "due_at", "paused_since", *names))
    if not rows:
        return []
    history: dict[int, list] = {}
    for dossier_id, action, at, due in (
        # the candidates again as a subquery (as a list of hundreds of ids, binding them cost more than reading)
        DossierEvent.objects.filter(dossier_id__in=base.order_by().values("pk"), at__lt=e)
        .filter(action__in=CLOCK_ACTIONS | {"receive", "stop", "resolve"})
        .annotate(recorded_due=KT("data__due_at"))  # the one key read: no event's whole JSON decoded
        .order_by("dossier_id", "seq")
        .values_list("dossier_id", "action", "at", "recorded_due")
    ):
        history.setdefault(dossier_id, []).append((action, at, due))
    out = []
    for pk, due_now, paused_now, *group in rows:
        then = within(*clock_before(history.get(pk, ()), due_now), e)
        if then != within(due_now, paused_now, e):
            out.append(Changed(pk, tuple(group), then))
    return out


def deltas(changed: list[Changed]) -> dict[tuple, dict[str, int]]:
    """{group: {"pending_within": +n, "pending_overdue": -n}} to add to the aggregate's counts."""
    out: dict[tuple, dict[str, int]] = {}
    for c in changed:
        d = out.setdefault(c.group, {"pending_within": 0, "pending_overdue": 0})
        step = 1 if c.within else -1
        d["pending_within"] += step
        d["pending_overdue"] -= step
    return out


def apply(counts: dict, delta: dict[str, int] | None) -> dict:
    """`counts` with a group's deltas added (a copy; None changes nothing)."""
    if not delta:
        return counts
    out = dict(counts)
    for key, value in delta.items():
        out[key] = int(out.get(key) or 0) + value
    return out
