"""Imported dossiers keep their codes, "any unique code" (contract §8) — some previous systems wrote codes with a
slash ("123/2019/HS"). The API's dossier routes take the code as one path segment (`/dossiers/{code}/…`), so such a
code could not be reached. This view sits before the API in the URL patterns and sees only the paths under
/api/v1/dossiers/ whose shape the API's own routes do not have (`SHAPES`); it finds where the code ends — the
longest prefix that is a stored code followed by a known tail (status, documents, documents/<id>, forms,
forms/<form>, access-log, rating, an action), else the whole rest — and calls the API's own view for that shape with the real code, so everything else
(authentication, permissions, throttles, the response) is the API's."""

from __future__ import annotations

import re

from django.urls import resolve
from django.views.decorators.csrf import csrf_exempt

from .models import Dossier
from .workflow import TRANSITIONS

_ACTIONS = "|".join(sorted(TRANSITIONS, key=len, reverse=True))
_TAIL = rf"(?:status|documents|documents/\d+|forms|forms/[^/]+|access-log|rating|{_ACTIONS})"
# what the API's routes take: a code without "/", alone or followed by one of their tails
SHAPES = rf"[^/]+(?:/{_TAIL})?/?"
PATTERN = rf"^api/v1/dossiers/(?!{SHAPES}$)(?P<rest>.+)$"
_TAIL_RE = re.compile(rf"^(?P<code>.+)/(?P<tail>{_TAIL})/?$")
PLACEHOLDER = "_"


def _split(rest: str, method: str) -> tuple[str, str]:
    """(code, tail): a known tail after a stored code; else a stored code and its last segment (an action the API
    will name as unknown); else, nothing stored either way, the whole rest as the code of a read (GET) and the
    last segment as the action of anything else — the API then says what is not found, as for any code."""
    m = _TAIL_RE.match(rest)
    if m and Dossier.objects.filter(code=m["code"]).exists():
        return m["code"], m["tail"]
    prefix, _, last = rest.rstrip("/").rpartition("/")
    stored = Dossier.objects.filter(code=rest).exists()
    if m and m["tail"] == "status" and method == "GET" and not stored:
        # the public lookup, with no sign-in: it reads a code typed in other capitals, or says 404 (as the
        # authenticated read of the whole path, it answered 401 to anyone without a token)
        return m["code"], m["tail"]
    if prefix and last and not stored:
        if method != "GET" or Dossier.objects.filter(code=prefix).exists():
            return prefix, last
    return rest, ""


@csrf_exempt
def dispatch(request, rest: str):
    code, tail = _split(rest, request.method)
    known = not tail or re.fullmatch(_TAIL, tail) is not None
    # an unknown last segment goes to the action route, which names it as an unknown action
    match = resolve(
        f"/api/v1/dossiers/{PLACEHOLDER}" + (f"/{tail}" if known and tail else "/receive" if tail else "")
    )
    kwargs = {**match.kwargs, "code": code}
    if not known:
        kwargs["action"] = tail
    return match.func(request, *match.args, **kwargs)
