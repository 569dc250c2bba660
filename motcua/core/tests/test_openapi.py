"""The OpenAPI document (/api/v1/openapi.json) names each response and body schema once: two classes of one name
would share one entry in `components/schemas`, and one endpoint's documentation would describe the other's data."""

from collections import defaultdict

from ninja import Schema

import motcua.api  # noqa: F401  (mounts every router, importing every schema)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_schema_names_are_unique():
    by_name = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("motcua."):
            by_name[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    assert by_name  # the routers were imported
    assert {name: paths for name, paths in by_name.items() if len(paths) > 1} == {}


def test_agency_reference_documented_as_served(client):
    """The agency page's ancestors/children have no `online` flag; the procedure's offering agencies do."""
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "online" not in schemas["AgencyRefOut"]["properties"]
    assert "online" in schemas["OfferingAgencyOut"]["required"]


def test_the_document_has_no_key_twice_in_one_object(client):
    """A response documented under the integer 200 and again under the string "200" came out as two "200" keys of
    one JSON object: Swagger UI (/api/v1/docs) refused the whole document ("duplicated mapping key")."""
    import json

    repeated = []

    def pairs(items):
        keys = [k for k, _ in items]
        repeated.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(items)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=pairs)
    assert repeated == []


# --- the API fuzzed against its own document ----------------------------------------------------------------------
# schemathesis generates requests from /api/v1/openapi.json (valid and invalid parameters and bodies) and sends them
# to the WSGI application with a one-stop officer's token: no answer may be a server error, and every answer must be
# one of the documented status codes, in the documented shape and content type.

import pytest  # noqa: E402
import schemathesis  # noqa: E402
from django.core import signals  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from motcua.core.models import ApiToken  # noqa: E402
from motcua.notifications.tests.factories import make_world  # noqa: E402

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, content_type_conformance]


@pytest.fixture
def officer_token(db, settings):
    # the public lookup's per-IP count would answer 429 after a few examples
    settings.STATUS_API_RATE_LIMIT = 0
    world = make_world()
    # As Django's test client does: the WSGI handler's end-of-request signal would otherwise close the test's
    # connection (and its transaction) after the first request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield ApiToken.issue(world["officer"])
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@SCHEMA.exclude(
    path_regex=r"export\.pdf$"
).parametrize()  # the PDF report renders for seconds; tested elsewhere
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
@pytest.mark.django_db
def test_api_answers_as_documented(case, officer_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {officer_token}"}, checks=CHECKS)
