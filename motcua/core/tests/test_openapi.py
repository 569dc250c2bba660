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
