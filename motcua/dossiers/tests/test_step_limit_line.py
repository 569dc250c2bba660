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
