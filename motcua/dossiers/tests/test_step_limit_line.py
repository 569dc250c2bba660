"""A procedure whose time limit differs by case has no single limit: the officer sets the days at reception and the
dossier's due instant follows them. Its process may give a step no budget of its own (the review step's time "tùy
trường hợp"): the staff page's "Hạn" column then showed nothing for it; it shows the limit applied to the dossier."""

import re
from decimal import Decimal

from motcua.catalog.models import ProcessStep
from motcua.dossiers import services

from .conftest import act, limit_unset, login
from .test_views import file_online


def _steps_rows(html: str) -> list[str]:
    table = html[html.index('id="h-steps"') :]
    table = table[: table.index("</table>")]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split())
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]


def test_a_step_without_its_own_budget_shows_the_dossiers_limit(client, org):
    # the review step (thẩm định) has no budget of its own in the published process: its time depends on the case
    ProcessStep.objects.filter(template__procedure=org["procedure"], order=1).update(
        hours=None, task="Thẩm định"
    )
    with limit_unset(org["version"]):
        d = act(org, file_online(org), "receive", "officer", working_days=5)
    assert d.limit_hours == Decimal(40)
    step = services.steps_of(d)[0]
    assert step.hours is None and step.due_at is None  # no instant of its own
    login(client, org, "leader")
    rows = _steps_rows(client.get(f"/staff/dossiers/{d.code}/").content.decode())
    due = d.due_at.astimezone(services.LOCAL).strftime("%d/%m/%Y %H:%M")
    review = rows[1]  # rows[0] is the header
    assert "Thẩm định" in review and f"{due} (hạn của hồ sơ, 5 ngày làm việc)" in review, review
    # a step with its own budget keeps its own line (none until it starts)
    assert "hạn của hồ sơ" not in rows[2]


def test_step_budgets_beyond_a_shortened_limit_are_cut_to_fit_it(org):
    """The agency cut its limit (3 working days to 2) after its process (16 + 8 hours) was published: the dossier
    was due after 16 hours while its steps' budgets ran to 24, so it could be late with every step on time. The
    budgets are cut in proportion to the dossier's limit, to the hundredth of an hour, and add up to it."""
    from motcua.catalog.models import Offering

    Offering.objects.filter(agency=org["so"], procedure=org["procedure"]).update(registered_days=2)
    d = act(org, file_online(org), "receive", "officer")
    assert d.limit_hours == Decimal(16)
    steps = services.steps_of(d)
    assert [s.hours for s in steps] == [Decimal("10.66"), Decimal("5.34")]
    first_due = services.AgencyCalendar(org["so"]).add_working_hours(d.counting_starts_at, Decimal("10.66"))
    assert steps[0].due_at == first_due and first_due < d.due_at
    # the published process is unchanged (the next agency, or the next limit, starts from it again)
    assert list(
        ProcessStep.objects.filter(template__procedure=org["procedure"]).values_list("hours", flat=True)
    ) == [
        Decimal(16),
        Decimal(8),
    ]
    # a limit the budgets fit: as published
    Offering.objects.filter(agency=org["so"], procedure=org["procedure"]).update(registered_days=None)
    d = act(org, file_online(org), "receive", "officer")
    assert [s.hours for s in services.steps_of(d)] == [Decimal(16), Decimal(8)]
