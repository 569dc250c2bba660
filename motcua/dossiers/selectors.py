"""Reads on dossiers: serialisation for the API and the web, public masked lookup, inbox queries."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from motcua.org.models import Role
from motcua.org.selectors import roles_of

from . import lifecycle
from .models import Dossier, State
from .services import allowed_actions

LOCAL = lifecycle.LOCAL


def iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(LOCAL).isoformat() if value else None


def mask_name(name: str) -> str:
    """'Nguyễn Văn An' -> 'Nguyễn V** A*' : the family name stays, other words keep their first letter."""
    words = (name or "").split()
    if not words:
        return ""
    return " ".join([words[0]] + [w[0] + "*" * (len(w) - 1) for w in words[1:]])


def mask_id(value: str) -> str:
    return ("*" * (len(value) - 3) + value[-3:]) if value else ""


def dossier_public(dossier: Dossier) -> dict:
    """Status lookup for anyone who has the code: no personal data unmasked."""
    return {
        "code": dossier.code,
        "state": dossier.state,
        "state_label": lifecycle.state_label(dossier.state),
        "procedure": {"code": dossier.procedure.code, "name": dossier.procedure.name},
        "agency": {"identifier": dossier.agency.identifier, "name": dossier.agency.name},
        "applicant_name": mask_name(dossier.applicant_name),
        "applicant_id_number": mask_id(dossier.applicant_id_number),
        "submitted_at": iso(dossier.submitted_at),
        "received_at": iso(dossier.received_at),
        "due_at": iso(dossier.due_at),
        "new_return_at": iso(dossier.new_return_at),
        "resolved_at": iso(dossier.resolved_at),
        "returned_at": iso(dossier.returned_at),
    }


def dossier_detail(dossier: Dossier, user=None) -> dict:
    data = {
        "code": dossier.code,
        "state": dossier.state,
        "state_label": lifecycle.state_label(dossier.state),
        "version": dossier.version,
        "channel": dossier.channel,
        "agency": {"identifier": dossier.agency.identifier, "name": dossier.agency.name},
        "procedure": {
            "code": dossier.procedure.code,
            "name": dossier.procedure.name,
            "version": str(dossier.procedure_version.effective_from)
            if dossier.procedure_version_id
            else None,
        },
        "applicant": {
            "kind": dossier.applicant_kind,
            "name": dossier.applicant_name,
            "id_number": dossier.applicant_id_number,
            "address": dossier.applicant_address,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
        },
        "representative": dossier.representative or None,
        "form_data": dossier.form_data,
        "result_method": dossier.result_method,
        "limit_hours": float(dossier.limit_hours) if dossier.limit_hours is not None else None,
        "working_days": float(dossier.limit_hours / 8) if dossier.limit_hours is not None else None,
        "submitted_at": iso(dossier.submitted_at),
        "received_at": iso(dossier.received_at),
        "counting_starts_at": iso(dossier.counting_starts_at),
        "due_at": iso(dossier.due_at),
        "initial_due_at": iso(dossier.initial_due_at),
        "paused_hours": float(dossier.paused_hours),
        "paused_since": iso(dossier.paused_since),
        "new_return_at": iso(dossier.new_return_at),
        "resolved_at": iso(dossier.resolved_at),
        "outcome": dossier.outcome or None,
        "classification": dossier.classification or None,
        "returned_at": iso(dossier.returned_at),
        "return_method": dossier.return_method or None,
        "refused_at": iso(dossier.refused_at),
        "stopped_at": iso(dossier.stopped_at),
        "imported": dossier.imported,
        "steps": [
            {
                "order": s.order,
                "label": s.label,
                "actor": s.actor,
                "role": s.role,
                "agency": s.agency.identifier,
                "inter_agency": s.inter_agency,
                "hours": float(s.hours) if s.hours is not None else None,
                "assignee": s.assignee.username if s.assignee_id else None,
                "started_at": iso(s.started_at),
                "due_at": iso(s.due_at),
                "completed_at": iso(s.completed_at),
                "classification": s.classification or None,
            }
            for s in dossier.steps.select_related("agency", "assignee").order_by("order")
        ],
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "at": iso(e.at),
                "actor": e.actor_name,
                "from_state": e.from_state or None,
                "to_state": e.to_state,
                "step": e.step_order,
                "reason": e.reason,
                "data": e.data,
                "file_hashes": e.file_hashes,
                "hash": e.hash,
            }
            for e in dossier.events.order_by("seq")
        ],
        "documents": [
            {
                "id": d.pk,
                "kind": d.kind,
                "name": d.name,
                "content_type": d.content_type,
                "size": d.size,
                "sha256": d.sha256,
                "uploaded_at": iso(d.uploaded_at),
            }
            for d in dossier.documents.all()
        ],
    }
    if user is not None:
        data["allowed_actions"] = allowed_actions(user, dossier)
    return data


def visible_dossiers(user):
    """Dossiers the user may read: own (citizen), own agencies (staff), subtree (overseer/leader/admin)."""
    qs = Dossier.objects.select_related("agency", "procedure")
    if user.is_superuser:
        return qs
    q = Q(applicant_user=user) | Q(filed_by=user)
    for r in roles_of(user):
        if r.role in (Role.OVERSEER, Role.LEADER, Role.ADMIN):
            q |= Q(agency__path__startswith=r.agency.path)
        else:
            q |= Q(agency_id=r.agency_id) | Q(steps__agency_id=r.agency_id)
    return qs.filter(q).distinct()


def due_status(dossier: Dossier, now: dt.datetime | None = None) -> str:
    """'overdue', 'due_soon' (within one working day's worth of calendar time: 24 h) or ''."""
    now = now or timezone.now()
    if dossier.due_at is None or dossier.state in (
        State.RESOLVED,
        State.RETURNED,
        State.STOPPED,
        State.REFUSED,
    ):
        return ""
    if now > dossier.due_at:
        return "overdue"
    if dossier.due_at - now <= dt.timedelta(hours=24):
        return "due_soon"
    return ""
