"""The lifecycle benchmarks' database fixture (bench_http, bench_inproc): one department, one procedure (3 working
days), a citizen and an officer with API tokens, and `preload` resolved dossiers with one event each, inserted set-based
(one INSERT … SELECT per table, spread over 2020–2025) so the tables and indexes have production size. Needs Django set
up on an empty, migrated PostgreSQL database."""

import datetime as dt


def lifecycle(preload: int) -> dict:
    """Create the fixture; returns the API tokens {"citizen": …, "officer": …}."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection

    from motcua.catalog.models import Field, Procedure, ProcedureVersion
    from motcua.core.models import ApiToken
    from motcua.org.models import Agency, StaffRole

    hn = Agency.objects.create(identifier="H26", name="Thành phố Hà Nội", level="province")
    so = Agency.objects.create(
        identifier="000.00.21.H26", name="Sở Kế hoạch và Đầu tư", level="department", parent=hn
    )
    f = Field.objects.create(code="hkd", name="Hộ kinh doanh")
    p = Procedure.objects.create(
        code="1.001612", name="Đăng ký thành lập hộ kinh doanh", field=f, level="commune"
    )
    ProcedureVersion.objects.create(
        procedure=p,
        effective_from=dt.date(2015, 1, 1),
        name=p.name,
        field=f,
        level="commune",
        legal_days=Decimal(3),
    )
    User = get_user_model()
    citizen = User.objects.create_user("bench-citizen", password="x-bench-123456")
    officer = User.objects.create_user("bench-officer", password="x-bench-123456")
    StaffRole.objects.create(user=officer, agency=so, role="officer")
    tokens = {"citizen": ApiToken.issue(citizen), "officer": ApiToken.issue(officer)}
    if preload:
        # Set-based preload: one INSERT … SELECT per table (realistic distribution over 2020–2025).
        with connection.cursor() as cur:
            cur.execute(
                """
                INSERT INTO dossiers_dossier (code, agency_id, procedure_id, field_id_snapshot, channel, state,
                  resume_state, applicant_kind, applicant_name, applicant_name_ascii, applicant_id_number,
                  applicant_address, applicant_phone, applicant_email, representative, form_data, result_method,
                  limit_hours, submitted_at, received_at, counting_starts_at, due_at, initial_due_at,
                  paused_hours, resolved_at, outcome, classification, return_method, supplement_rounds,
                  imported, version, last_event_hash, created_at, updated_at)
                SELECT 'PRE-' || g, %s, %s, %s, (ARRAY['online','counter','postal'])[1 + g %% 3], 'resolved', '',
                  'individual', 'Nguyễn Văn ' || g, 'nguyen van ' || g, lpad((1000000000 + g)::text, 12, '0'),
                  '', '', '', '{}', '{}', 'counter', 24,
                  ts, ts, ts, ts + interval '3 days', ts + interval '3 days', 0,
                  ts + interval '2 days', 'approved',
                  CASE WHEN g %% 50 = 0 THEN 'late' WHEN g %% 3 = 0 THEN 'on_time' ELSE 'early' END,
                  '', 0, true, 1, '', now(), now()
                FROM (SELECT g, timestamptz '2020-01-01 02:00+00' + (g %% 2000) * interval '1 day'
                             + (g %% 8) * interval '1 hour' AS ts
                      FROM generate_series(1, %s) g) s
                """,
                [so.pk, p.pk, f.pk, preload],
            )
            cur.execute(
                """
                INSERT INTO dossiers_dossierevent (dossier_id, seq, action, at, actor_name, from_state, to_state,
                  reason, data, file_hashes, prev_hash, hash, recorded_at)
                SELECT id, 1, 'receive', received_at, 'bench', 'submitted', 'received', '', '{}', '[]', '',
                  md5(code), now() FROM dossiers_dossier WHERE code LIKE 'PRE-%%'
                """
            )
            cur.execute("ANALYZE")
    return tokens
