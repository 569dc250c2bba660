"""What each published figure counts (contract §5), in words a reader of the statistics can check: the dashboards
show it under the figures, and the Excel and PDF reports print it under their table, so a figure read in one place
means the same in the others. "Đúng hạn" in particular is not "within the limit": a dossier resolved a day before
its appointment is "trước hạn", one resolved on the appointment's day (not after its hour) "đúng hạn"."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

TERMS = (
    (
        _("Hạn giải quyết (hẹn trả)"),
        _(
            "thời điểm hẹn trả kết quả ghi trên giấy tiếp nhận, tính theo giờ làm việc từ khi tiếp nhận hồ sơ đủ, "
            "cộng thời gian tạm dừng chờ bổ sung hồ sơ hoặc chờ thực hiện nghĩa vụ tài chính; thư xin lỗi hẹn lại "
            "ngày trả không làm thay đổi hạn này."
        ),
    ),
    (_("Trước hạn"), _("giải quyết xong vào một ngày trước ngày hẹn trả.")),
    (
        _("Đúng hạn"),
        _("giải quyết xong trong ngày hẹn trả, không muộn hơn giờ hẹn (muộn hơn giờ hẹn là quá hạn)."),
    ),
    (_("Quá hạn (đã giải quyết)"), _("giải quyết xong sau thời điểm hẹn trả.")),
    (
        _("Kỳ trước chuyển sang"),
        _("hồ sơ tiếp nhận trước ngày đầu kỳ, đến đầu kỳ chưa giải quyết xong và chưa bị dừng xử lý."),
    ),
    (
        _("Đang giải quyết trong hạn / quá hạn"),
        _(
            "hồ sơ chưa giải quyết xong tại cuối kỳ (hoặc hiện tại, nếu kỳ chưa kết thúc), chưa đến hoặc đã qua "
            "thời điểm hẹn trả."
        ),
    ),
    (
        _("Tỷ lệ trước và đúng hạn"),
        _("(trước hạn + đúng hạn) / số hồ sơ đã giải quyết trong kỳ × 100 — tỷ lệ các cơ quan công bố."),
    ),
    (
        _("Chỉ số 2.1 (Quyết định 766/QĐ-TTg)"),
        _(
            "tỷ lệ hồ sơ đã và đang xử lý đúng hạn, trong hạn: (trước hạn + đúng hạn + đang giải quyết trong hạn) / "
            "(tiếp nhận trong kỳ + kỳ trước chuyển sang) × 100."
        ),
    ),
)


def terms() -> list[tuple[str, str]]:
    """(term, definition) in the active language."""
    return [(str(term), str(definition)) for term, definition in TERMS]


def vietnamese_terms() -> list[tuple[str, str]]:
    """(term, definition) in Vietnamese, for the official reports (Excel, PDF), whatever the interface language."""
    with translation.override("vi"):
        return terms()
