"""The signed-in account's own data (GET /api/v1/me/export): the same ZIP as "Tải dữ liệu của tôi" on the portal's
account page (motcua.portal.export; ADR 0024 addendum)."""

from django.http import HttpRequest
from ninja import Router

from motcua.core.auth import BearerAuth
from motcua.core.schemas import ErrorOut

from . import export

router = Router(tags=["me"])


@router.get(
    "/export",
    auth=BearerAuth(),
    response={200: None, 401: ErrorOut, 429: ErrorOut},
    summary="Download all personal data the system holds about the token's account (ZIP)",
    openapi_extra={"responses": {200: {"description": "The archive", "content": {"application/zip": {}}}}},
)
def me_export(request: HttpRequest):
    """A ZIP of `du-lieu-ca-nhan.json` (the account, profile, the dossiers whose applicant it is with their events,
    documents, access record and payments, its ratings, PAKN and drafts; UTF-8, instants in +07:00), `doc-truoc.txt`
    and the documents' files up to 50 MB in all (`tai-lieu/`). Only ever the token's own account, whatever its
    roles. At most 5 per hour per account, shared with the portal's button: then 429 with Retry-After."""
    from .views import export_response

    export.check_export(request.auth)
    return export_response(request.auth)
