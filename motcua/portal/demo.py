"""The demo citizen's profile: `congdan` (Nguyễn Văn An, an account of the demo organisation) with the personal ID,
phone and address a VNeID-verified account has, so the portal's wizard fills "Cho chính tôi" from it and checks the
ID typed against it (as for any citizen whose profile has an ID). Idempotent: an existing profile is left as the
user edited it."""

import sys

from django.contrib.auth import get_user_model
from django.db.models import Q

from .models import CitizenProfile

DEMO_CITIZEN = "congdan"
DEMO_PROFILE = {
    "full_name": "Nguyễn Văn An",
    "id_number": "001090012345",  # Hà Nội (001), a man born in 1990 (0, 90): rules §9.1
    "phone": "0912345600",
    "address": "12 Lê Thanh Nghị, phường Bách Khoa, quận Hai Bà Trưng, Hà Nội",
}


def load(stdout=None) -> None:
    out = stdout or sys.stdout
    user = get_user_model().objects.filter(username=DEMO_CITIZEN).first()
    if user is None or CitizenProfile.objects.filter(user=user).exists():
        return
    taken = Q(id_number=DEMO_PROFILE["id_number"]) | Q(phone=DEMO_PROFILE["phone"])
    if CitizenProfile.objects.filter(taken).exists():
        return  # a real account holds the ID or the phone: the demo never takes them from it
    CitizenProfile.objects.create(user=user, **DEMO_PROFILE)
    out.write(f"Hồ sơ công dân demo: {DEMO_CITIZEN} ({DEMO_PROFILE['full_name']}).\n")
