"""PostgreSQL only: a trigram GIN index on Procedure.name_ascii so the catalogue's word search (LIKE '%word%') uses
an index. Skipped silently on SQLite, and on PostgreSQL when the pg_trgm extension cannot be created (no privilege):
the search stays correct, only slower on very large catalogues."""

from django.db import migrations, transaction

INDEX = "catalog_procedure_name_ascii_trgm"


def forwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=conn.alias):
            with conn.cursor() as cur:
                cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
                cur.execute(
                    f"CREATE INDEX IF NOT EXISTS {INDEX} ON catalog_procedure USING gin (name_ascii gin_trgm_ops)"
                )
    except Exception:  # noqa: BLE001 — no privilege for the extension: keep the sequential scan
        pass


def backwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cur:
        cur.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_and_hashes")]
    operations = [migrations.RunPython(forwards, backwards)]
