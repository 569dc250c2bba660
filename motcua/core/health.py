"""`GET /healthz`: for a load balancer, a container orchestrator or a monitoring probe. 200 when this worker can
serve: the database answers and holds every migration this code needs; 503 otherwise (a worker started before
`migrate` ran, a database that is down or unreachable). Public, small, nothing about the data; it reads no
session and counts against no limit.

`GET /healthz?deep=1` also checks the file store (motcua.core.storage.storage_health: MEDIA_ROOT writable, or one
S3 lookup) and adds `"storage": "ok" | "unavailable"` (503 when unavailable). It is not part of the plain probe on
purpose: a load balancer polling every worker every few seconds would make one request to the store each time, and
a store that is down would take every worker out of service although lookups, the inbox and actions without
files still work. Monitoring uses `?deep=1` (ADR 0019 addendum)."""

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from .storage import storage_health

_migrated = False  # once the migrations are found applied, a worker does not check them again


def _database() -> str:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unavailable"
    return "ok"


def _migrations() -> str:
    global _migrated
    if not _migrated:
        try:
            executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except DatabaseError:
            return "unknown"
        if pending:
            return "pending"
        _migrated = True
    return "ok"


@csrf_exempt  # a GET only: any other method gets 405, not a CSRF page
@never_cache
@require_GET
def healthz(request):
    database = _database()
    migrations = _migrations() if database == "ok" else "unknown"
    ok = database == "ok" and migrations == "ok"
    body = {"database": database, "migrations": migrations}
    if request.GET.get("deep") in ("1", "true", "yes"):
        body["storage"] = storage_health()
        ok = ok and body["storage"] == "ok"
    return JsonResponse({"status": "ok" if ok else "unavailable", **body}, status=200 if ok else 503)
