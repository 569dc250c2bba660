"""Domain errors carried to the API and the web as a status code and a bilingual message."""


class DomainError(Exception):
    """An error a person can act on. `message` is Vietnamese, `message_en` English."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        message_en: str = "",
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.message_en = message_en or message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details or {}

    def as_dict(self) -> dict:
        data = {"error": self.code, "message": self.message, "message_en": self.message_en}
        if self.details:
            data["details"] = self.details
        return data


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unprocessable(DomainError):
    status = 422
    code = "unprocessable"


class Throttled(DomainError):
    """HTTP 429; `retry_after` seconds go out as the Retry-After header."""

    status = 429
    code = "throttled"

    def __init__(self, message: str, message_en: str = "", *, retry_after: int, **kwargs):
        super().__init__(message, message_en, **kwargs)
        self.retry_after = retry_after
