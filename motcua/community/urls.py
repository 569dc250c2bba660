from django.urls import path

from motcua.core import converters  # noqa: F401 - registers <dossier:…>

from . import views

app_name = "community"
urlpatterns: list = [
    path("to-cong-nghe-so/", views.dashboard, name="dashboard"),
    path("to-cong-nghe-so/nhan-ho-so/", views.claim, name="claim"),
    path("to-cong-nghe-so/nhan-ho-so/<dossier:code>/go/", views.release_claim, name="release_claim"),
    path("to-cong-nghe-so/nhan-ho-so/<dossier:code>/", views.claim_done, name="claim_done"),
    path("to-cong-nghe-so/nop-ho/", views.assisted_new, name="assisted_new"),
    # before the filing's page: a code may hold a slash (imported codes), so "<code>/" would take the rest
    path("to-cong-nghe-so/nop-ho/<dossier:code>/phieu-dong-y/", views.consent_slip, name="consent_slip"),
    path("to-cong-nghe-so/nop-ho/<dossier:code>/", views.assisted_done, name="assisted_done"),
    path("to-cong-nghe-so/nhat-ky/", views.outreach_new, name="outreach_new"),
    path("to-cong-nghe-so/<str:identifier>/", views.ward_detail, name="ward"),
]
