from django.urls import path

from motcua.core import converters  # noqa: F401 - registers <dossier:…>

from . import oidc, views

app_name = "portal"
urlpatterns = [
    path("tai-khoan/", views.account, name="account"),
    path("tai-khoan/dang-ky/", views.register, name="register"),
    path("tai-khoan/du-lieu-ca-nhan/", views.privacy_notice, name="privacy_notice"),
    path("tai-khoan/tai-du-lieu/", views.account_export, name="account_export"),
    path("oidc/authenticate/", oidc.Authenticate.as_view(), name="oidc_authenticate"),
    path("oidc/callback/", oidc.Callback.as_view(), name="oidc_callback"),
    path("nop-ho-so/nhap/<int:pk>/xoa/", views.draft_delete, name="draft_delete"),
    path("nop-ho-so/tep/<int:pk>/", views.draft_file, name="draft_file"),
    path("nop-ho-so/<str:code>/", views.file_start, name="file_start"),
    path("nop-ho-so/<str:code>/<slug:step>/", views.file_step, name="file_step"),
    path("ho-so-cua-toi/", views.my_dossiers, name="my_dossiers"),
    # the routes with a fixed tail before the bare code (a code may hold "/": core/converters.py)
    path("ho-so-cua-toi/<dossier:code>/bo-sung/", views.my_dossier_supplement, name="my_dossier_supplement"),
    path("ho-so-cua-toi/<dossier:code>/thanh-toan/", views.my_dossier_pay, name="my_dossier_pay"),
    path("ho-so-cua-toi/<dossier:code>/rut-ho-so/", views.my_dossier_withdraw, name="my_dossier_withdraw"),
    path("ho-so-cua-toi/<dossier:code>/tai-lieu/<int:pk>/", views.my_document, name="my_document"),
    path("ho-so-cua-toi/<dossier:code>/phieu/<slug:form>.pdf", views.my_form_pdf, name="my_form_pdf"),
    path("ho-so-cua-toi/<dossier:code>/", views.my_dossier, name="my_dossier"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("tra-cuu/qr/<dossier:code>.svg", views.lookup_qr, name="lookup_qr"),
    path("thanh-toan/fake/<str:ref>/", views.fake_gateway, name="fake_gateway"),
    path("thanh-toan/ket-qua/", views.payment_return, name="payment_return"),
]
