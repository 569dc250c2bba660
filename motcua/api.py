"""The HTTP API root (/api/v1). Each app owns a router in its own `api.py`; this module only mounts them
and turns domain errors into JSON with a message a person can act on."""

import logging

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.operation import PathView
from ninja.parser import Parser

from motcua.core import errorviews, strictjson
from motcua.core.auth import TokenExpired
from motcua.core.errors import DomainError
from motcua.core.schemas import BODY_ATTR


def _json_not_allowed(self) -> JsonResponse:
    """A method the path does not take (GET on an action, DELETE on a dossier): 405 with the allowed methods, in
    the API's JSON error shape like every other refusal (django-ninja answers a plain-text "Method not allowed")."""
    allowed = sorted({m for op in self.operations for m in op.methods})
    response = JsonResponse(
        {
            "error": "method_not_allowed",
            "message": f"Địa chỉ này không nhận phương thức này; chỉ nhận: {', '.join(allowed)}.",
            "message_en": f"This endpoint does not take this method; it takes: {', '.join(allowed)}.",
        },
        status=405,
    )
    response["Allow"] = ", ".join(allowed)
    return response


PathView._not_allowed = _json_not_allowed  # tests/test_api_errors: a 405 is JSON (fails if ninja renames it)


class StrictJSONParser(Parser):
    """JSON bodies as RFC 8259 defines them (motcua.core.strictjson): NaN, Infinity or 1e400 is refused as an
    unreadable body (400) instead of reaching a JSON column or a limit."""

    def parse_body(self, request: HttpRequest):
        body = strictjson.loads_bytes(request.body)
        # kept for the endpoints, which name the keys no schema took (core.schemas.ignored_notice)
        setattr(request, BODY_ATTR, body)
        return body


api = NinjaAPI(
    title="Mot Cua API",
    version="1",
    description="API của hệ thống Một cửa điện tử (one-stop public administration). "
    "Datetimes are ISO 8601 with offset, zone Asia/Ho_Chi_Minh.",
    urls_namespace="api",
    parser=StrictJSONParser(),
)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


# pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/) that the API's parameters and
# bodies can raise, in Vietnamese; {name} takes the error's context (the limit, the allowed values…). Any other type
# keeps pydantic's English text after a Vietnamese "không hợp lệ".
_VI_ERRORS = {
    "missing": "thiếu (bắt buộc)",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "float_parsing": "phải là số",
    "float_type": "phải là số",
    "finite_number": "phải là số hữu hạn",
    "decimal_parsing": "phải là số",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "string_type": "phải là chuỗi ký tự",
    "string_unicode": "chứa mã không phải chữ viết (nửa cặp UTF-16 đơn lẻ): hãy xoá ký tự đó rồi gửi lại",
    "string_too_long": "dài tối đa {max_length} ký tự",
    "string_too_short": "phải có ít nhất {min_length} ký tự",
    "greater_than": "phải lớn hơn {gt}",
    "greater_than_equal": "phải lớn hơn hoặc bằng {ge}",
    "less_than": "phải nhỏ hơn {lt}",
    "less_than_equal": "phải nhỏ hơn hoặc bằng {le}",
    "literal_error": "phải là một trong các giá trị: {expected}",
    "enum": "phải là một trong các giá trị: {expected}",
    "date_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "phải là ngày dạng YYYY-MM-DD",
    "date_type": "phải là ngày dạng YYYY-MM-DD",
    "datetime_parsing": "phải là ngày giờ ISO 8601, ví dụ 2025-02-05T10:00:00+07:00",
    "datetime_from_date_parsing": "phải là ngày giờ ISO 8601, ví dụ 2025-02-05T10:00:00+07:00",
    "datetime_type": "phải là ngày giờ ISO 8601, ví dụ 2025-02-05T10:00:00+07:00",
    "dict_type": "phải là một đối tượng JSON ({{…}})",
    "model_type": "phải là một đối tượng JSON ({{…}})",
    "model_attributes_type": "phải là một đối tượng JSON ({{…}})",
    "list_type": "phải là một danh sách ([…])",
    "json_invalid": "không phải JSON hợp lệ",
    "extra_forbidden": "không được phép",
    "bad_characters": "chứa ký tự không hợp lệ {char} ({kind_vi}) ở vị trí {position}: hãy xoá ký tự đó rồi gửi lại",
}


def _in_vietnamese(err: dict) -> str:
    template = _VI_ERRORS.get(err.get("type", ""))
    if template is None:
        return f"không hợp lệ ({err.get('msg', 'invalid')})"
    ctx = {}
    for key, value in (err.get("ctx") or {}).items():
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # "0", not "0.0"
        elif isinstance(value, str):
            value = value.replace(" or ", " hoặc ")  # pydantic's list of allowed values
        ctx[key] = value
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return f"không hợp lệ ({err.get('msg', 'invalid')})"


def _describe(errors: list[dict]) -> tuple[str, str, list[dict]]:
    parts_vi, parts_en, details = [], [], []
    for err in errors:
        loc = [
            str(p)
            for p in err.get("loc", [])
            if p not in ("query", "body", "path", "form", "file", "payload")
        ]
        # nothing left of the location: the error is the whole body's (a list or a string where an object goes)
        field = ".".join(loc) or ("body" if set(err.get("loc", ())) & {"body", "payload"} else "?")
        msg = err.get("msg", "invalid")
        vi = _in_vietnamese(err)
        if field == "body" and not loc and err.get("type") == "missing":  # no body at all
            vi = "thiếu nội dung yêu cầu: gửi một đối tượng JSON ({…}) với Content-Type: application/json"
            msg = "the request has no body: send a JSON object ({…}) with Content-Type: application/json"
        parts_vi.append(f"'{field}': {vi}")
        parts_en.append(f"'{field}': {msg}")
        details.append({"field": field, "message": vi, "message_en": msg})
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


def _refusal(request: HttpRequest, status: int, code: str, message: str, message_en: str):
    return api.create_response(
        request, {"error": code, "message": message, "message_en": message_en}, status=status
    )


@api.exception_handler(MultiPartParserError)
def on_multipart_error(request: HttpRequest, exc: MultiPartParserError):
    """A multipart body Django cannot read (no boundary, truncated): the client's error, not the server's."""
    return _refusal(
        request,
        400,
        "bad_body",
        "Không đọc được nội dung multipart/form-data của yêu cầu (thiếu boundary, bị cắt, hoặc phần đầu của một "
        "tệp quá dài — ví dụ tên tệp dài hơn khoảng 1.000 ký tự).",
        f"Cannot read the multipart/form-data body ({exc}).",
    )


@api.exception_handler(SuspiciousOperation)
def on_suspicious_request(request: HttpRequest, exc: SuspiciousOperation):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields or files: Django's handler400 answers (413/400,
    JSON on /api/). Without this, django-ninja re-raised it to Django with DEBUG off, but answered a traceback as
    a 500 with DEBUG on (`make run`)."""
    logging.getLogger(f"django.security.{type(exc).__name__}").error(
        str(exc), exc_info=exc, extra={"status_code": 400, "request": request}
    )
    return errorviews.bad_request(request, exc)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError):
    if isinstance(exc, TokenExpired):
        when = timezone.localtime(exc.expires_at).strftime("%d/%m/%Y %H:%M")
        return _refusal(
            request,
            401,
            "token_expired",
            f"Mã truy cập đã hết hạn lúc {when}: xin mã mới (motcua apitoken <tên đăng nhập>) rồi gửi lại "
            "'Authorization: Bearer <mã truy cập>'.",
            f"The access token expired at {when} (Asia/Ho_Chi_Minh): get a new one (motcua apitoken <user name>) "
            "and send it as 'Authorization: Bearer <token>'.",
        )
    return _refusal(
        request,
        401,
        "unauthorized",
        "Cần đăng nhập: gửi 'Authorization: Bearer <mã truy cập>' hợp lệ.",
        "Authentication required: send a valid 'Authorization: Bearer <token>'.",
    )


# django-ninja's own HttpErrors (raised before our code runs), in Vietnamese first
_NINJA_ERRORS = {
    "Cannot parse request body": (
        "bad_body",
        "Không đọc được nội dung yêu cầu: nội dung phải là JSON hợp lệ (kiểm tra dấu ngoặc, dấu phẩy, "
        "dấu nháy kép; số không được là NaN, Infinity hay vượt quá 1e308).",
        "Cannot parse the request body: it must be valid JSON (numbers may not be NaN, Infinity or "
        "beyond 1e308).",
    ),
    "CSRF check Failed": (
        "csrf",
        "Kiểm tra CSRF không đạt: tải lại trang rồi thử lại.",
        "CSRF check failed: reload the page and try again.",
    ),
}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    if isinstance(
        exc.__cause__, strictjson.DuplicateKeyError
    ):  # the body's reader raised it (StrictJSONParser)
        key = exc.__cause__.key
        return _refusal(
            request,
            400,
            "bad_body",
            f"Trường '{key}' xuất hiện hai lần trong cùng một đối tượng JSON: mỗi trường chỉ gửi một lần.",
            f"The name '{key}' appears twice in one JSON object: send each field once.",
        )
    text = str(exc)
    known = next((v for k, v in _NINJA_ERRORS.items() if text.startswith(k)), None)
    if known is not None:
        code, vi, en = known
    else:
        code, vi, en = "http", f"Yêu cầu không được chấp nhận (HTTP {exc.status_code}): {text}", text
    return _refusal(request, exc.status_code, code, vi, en)


def _mount() -> None:
    from motcua.catalog.api import router as catalog_router
    from motcua.dossiers.api import router as dossiers_router
    from motcua.org.api import router as org_router
    from motcua.portal.api import router as me_router
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
    api.add_router("/me", me_router)


_mount()
