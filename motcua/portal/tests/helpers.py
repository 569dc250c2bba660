import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.notifications.tests.factories import APPLICANT, PDF_BYTES

CODE = "1.001612"
WHO = {
    "agency": "000.00.21.H26",
    "who": "self",
    "applicant_name": APPLICANT["name"],
    "applicant_id_number": APPLICANT["id_number"],
    "applicant_address": APPLICANT["address"],
    "applicant_phone": "+84 912 345 678",
    "applicant_email": APPLICANT["email"],
    "next": "1",
}
EFORM = {
    "ten_ho_kinh_doanh": "Tạp hoá Bình An",
    "von_kinh_doanh": "50000000",
    "ngay_bat_dau": "2026-12-01",
    "nganh_nghe": "Bán lẻ",
    "ghi_chu": "",
    "next": "1",
}


def pdf(name="giay-de-nghi.pdf", extra=b""):
    return SimpleUploadedFile(name, PDF_BYTES + extra, content_type="application/pdf")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def url(step=None):
    return f"/nop-ho-so/{CODE}/" + (f"{step}/" if step else "")


def walk_wizard(client, world, *, who=None, files=None):
    """Fill every step of the wizard; returns the response of the last POST before submitting."""
    r = client.post(url("nguoi-nop"), who or WHO)
    assert r.status_code == 302 and r["Location"] == url("thanh-phan"), r.content.decode()[-3000:]
    c1 = world["components"][0]
    r = client.post(url("thanh-phan"), {f"file_{c1.pk}": files or pdf(), "next": "1"})
    assert r.status_code == 302 and r["Location"] == url("to-khai"), r.content.decode()[-3000:]
    r = client.post(url("to-khai"), EFORM)
    assert r.status_code == 302 and r["Location"] == url("nhan-ket-qua"), r.content.decode()[-3000:]
    r = client.post(url("nhan-ket-qua"), {"result_method": "electronic", "next": "1"})
    assert r.status_code == 302 and r["Location"] == url("xem-lai")
    return r
