"""The framework's own error responses (Django's handler400/403/404/500 and its CSRF failure view), in the
language the user chose (Vietnamese first), and as JSON on /api/ — where clients parse `error`, `message` and
`message_en` as in every other refusal of the API. Django's defaults are English HTML pages (a debug page with
DEBUG on), also for API paths that match no route."""

import functools

from django.conf import settings
from django.core.exceptions import DisallowedHost, RequestDataTooBig, TooManyFilesSent
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .i18n import english_active
from .middleware import chosen_language, is_api
from .text import size_text


def _json(status: int, code: str, message: str, message_en: str) -> JsonResponse:
    return JsonResponse({"error": code, "message": message, "message_en": message_en}, status=status)


def _in_readers_language(view):
    """An error met above the locale middleware (a body too large or with NUL bytes, read by the middleware at the
    top) comes before any language is chosen: the page is still written in the one the reader chose."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override(chosen_language(request)):
            return view(request, *args, **kwargs)

    return wrapper


def _page(request, status: int, title: str, message: str) -> HttpResponse:
    return render(
        request, "error.html", {"title": title, "message": message, "status": status}, status=status
    )


@_in_readers_language
def bad_request(request, exception=None):
    if isinstance(exception, DisallowedHost):
        # the address (Host) is not one this server answers to (ALLOWED_HOSTS): nothing is wrong with the data
        if is_api(request):
            return _json(
                400,
                "bad_host",
                "Địa chỉ máy chủ (tên miền) trong yêu cầu không thuộc hệ thống này.",
                "The server name (Host) in the request is not one this site answers to.",
            )
        return _page(
            request,
            400,
            _("Địa chỉ không đúng"),
            _(
                "Trang này không được phục vụ tại địa chỉ (tên miền) bạn đã dùng. Hãy mở trang bằng địa chỉ chính "
                "thức của cổng dịch vụ công."
            ),
        )
    if isinstance(exception, TooManyFilesSent):
        # more files (file inputs, empty ones too) than DATA_UPLOAD_MAX_NUMBER_FILES: nothing is stored
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        if is_api(request):
            from motcua.dossiers.documents import MAX_FILES_PER_UPLOAD

            # as documents.add_files answers 21 files or more, so a client sees one refusal whatever the number
            return _json(
                422,
                "too_many_files",
                f"Mỗi lần tải lên tối đa {MAX_FILES_PER_UPLOAD} tệp.",
                f"At most {MAX_FILES_PER_UPLOAD} files per upload.",
            )
        return _page(
            request,
            413,
            _("Quá nhiều tệp"),
            _(
                "Mỗi lần gửi tối đa %(limit)s tệp. Không tệp nào trong lần gửi này được lưu. Vui lòng quay lại và "
                "gửi các tệp thành nhiều lần."
            )
            % {"limit": limit},
        )
    if isinstance(exception, RequestDataTooBig):
        # a body (other than uploaded files) over DATA_UPLOAD_MAX_MEMORY_SIZE: say so, with the limit
        limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if is_api(request):
            return _json(
                413,
                "too_large",
                f"Nội dung yêu cầu quá lớn: tối đa {size_text(limit)} (không kể tệp tải lên). Tệp đính kèm gửi "
                "qua /api/v1/dossiers/<mã hồ sơ>/documents (multipart/form-data).",
                f"The request body is too large: at most {size_text(limit, en=True)} (uploaded files aside). "
                "Send files to "
                "/api/v1/dossiers/<code>/documents (multipart/form-data).",
            )
        return _page(
            request,
            413,
            _("Dữ liệu gửi lên quá lớn"),
            _(
                "Dữ liệu gửi lên quá lớn (tối đa %(limit)s, không kể tệp tải lên). Vui lòng quay lại và thử lại."
            )
            % {"limit": size_text(limit, en=english_active())},
        )
    if is_api(request):
        return _json(
            400,
            "bad_request",
            "Máy chủ không đọc được yêu cầu (dữ liệu gửi lên bị hỏng hoặc quá lớn).",
            "The server could not read the request (the data sent is malformed or too large).",
        )
    return _page(
        request,
        400,
        _("Yêu cầu không hợp lệ"),
        _(
            "Máy chủ không đọc được yêu cầu (dữ liệu gửi lên bị hỏng hoặc quá lớn). Vui lòng quay lại và thử lại."
        ),
    )


@_in_readers_language
def permission_denied(request, exception=None):
    if is_api(request):
        return _json(403, "forbidden", "Bạn không có quyền thực hiện yêu cầu này.", "You may not do this.")
    return _page(
        request,
        403,
        _("Không có quyền truy cập"),
        _("Bạn không có quyền xem trang này. Nếu cần, hãy đăng nhập bằng tài khoản có quyền."),
    )


@_in_readers_language
def page_not_found(request, exception=None):
    if is_api(request):
        return _json(
            404,
            "not_found",
            f"Không có địa chỉ API '{request.path}'. Danh sách ở /api/v1/docs.",
            f"No API endpoint '{request.path}'. See /api/v1/docs.",
        )
    return _page(
        request,
        404,
        _("Không tìm thấy trang"),
        _("Địa chỉ %(path)s không có trên hệ thống. Kiểm tra lại địa chỉ, hoặc bắt đầu từ trang chủ.")
        % {"path": request.path},
    )


@csrf_exempt
def api_not_found(request):
    """The route for /api/ paths no endpoint takes (motcua/urls.py): with DEBUG on, Django answers an unmatched
    path with its technical HTML page and never calls handler404. No CSRF check: a POST gets the same 404."""
    return page_not_found(request)


def server_error(request):
    """No template context processors and no database: whatever failed may fail again while rendering."""
    if is_api(request):
        return _json(
            500,
            "server_error",
            "Lỗi máy chủ. Yêu cầu chưa được thực hiện; vui lòng thử lại sau.",
            "Server error. The request was not carried out; please try again later.",
        )
    return HttpResponse(loader.get_template("500.html").render(), status=500)


@_in_readers_language
def csrf_failure(request, reason=""):
    if is_api(request):
        return _json(
            403,
            "csrf",
            "Kiểm tra CSRF không đạt: tải lại trang rồi thử lại.",
            "CSRF check failed: reload the page and try again.",
        )
    return _page(
        request,
        403,
        _("Biểu mẫu đã hết hạn"),
        _(
            "Biểu mẫu đã hết hạn hoặc trình duyệt đang chặn cookie của trang. Tải lại trang, rồi gửi lại "
            "(thông tin đã nhập có thể phải nhập lại)."
        ),
    )
