"""The HTTP API root (/api/v1). Each app owns a router in its own `api.py`; this module only mounts them
and turns domain errors into JSON with a message a person can act on."""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from motcua.core.errors import DomainError

api = NinjaAPI(
    title="Mot Cua API",
    version="1",
    description="API của hệ thống Một cửa điện tử (one-stop public administration). "
    "Datetimes are ISO 8601 with offset, zone Asia/Ho_Chi_Minh.",
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _describe(errors: list[dict]) -> tuple[str, str, list[dict]]:
    parts_vi, parts_en, details = [], [], []
    for err in errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("query", "body", "path", "form", "payload")]
        field = ".".join(loc) or "?"
        msg = err.get("msg", "invalid")
        parts_vi.append(f"'{field}': {msg}")
        parts_en.append(f"'{field}': {msg}")
        details.append({"field": field, "message": msg})
    return (
        "Dữ liệu không hợp lệ — " + "; ".join(parts_vi),
        "Invalid input — " + "; ".join(parts_en),
        details,
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError):
    vi, en, details = _describe(exc.errors)
    return api.create_response(
        request, {"error": "validation", "message": vi, "message_en": en, "details": details}, status=422
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request,
        {
            "error": "unauthorized",
            "message": "Cần đăng nhập: gửi 'Authorization: Bearer <mã truy cập>' hợp lệ.",
            "message_en": "Authentication required: send a valid 'Authorization: Bearer <token>'.",
        },
        status=401,
    )


# django-ninja's own HttpErrors (raised before our code runs), in Vietnamese first
_NINJA_ERRORS = {
    "Cannot parse request body": (
        "bad_body",
        "Không đọc được nội dung yêu cầu: nội dung phải là JSON hợp lệ (kiểm tra dấu ngoặc, dấu phẩy, "
        "dấu nháy kép).",
        "Cannot parse the request body: it must be valid JSON.",
    ),
    "CSRF check Failed": (
        "csrf",
        "Kiểm tra CSRF không đạt: tải lại trang rồi thử lại.",
        "CSRF check failed: reload the page and try again.",
    ),
}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    text = str(exc)
    known = next((v for k, v in _NINJA_ERRORS.items() if text.startswith(k)), None)
    if known is not None:
        code, vi, en = known
    else:
        code, vi, en = "http", f"Yêu cầu không được chấp nhận (HTTP {exc.status_code}): {text}", text
    return api.create_response(
        request, {"error": code, "message": vi, "message_en": en}, status=exc.status_code
    )


def _mount() -> None:
    from motcua.catalog.api import router as catalog_router
    from motcua.dossiers.api import router as dossiers_router
    from motcua.org.api import router as org_router
    from motcua.reports.api import router as reports_router
    from motcua.workdays.api import router as workdays_router

    # Django tries the URL patterns in order: the dossiers' (the status lookup, filing and every action — nearly all
    # of the API's traffic) come first, so resolving them does not first fail a dozen others (about a tenth of a
    # status lookup's Python otherwise).
    api.add_router("/dossiers", dossiers_router)
    api.add_router("/calendar", workdays_router)
    api.add_router("/agencies", org_router)
    api.add_router("/procedures", catalog_router)
    api.add_router("/stats", reports_router)


_mount()
