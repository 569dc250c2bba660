from django.urls import path

from motcua.core import converters  # noqa: F401 - registers <dossier:…>

from . import transfer_views, views

app_name = "dossiers"
urlpatterns: list = [
    path("staff/", views.inbox, name="inbox"),
    path("staff/tiep-nhan/", views.counter, name="counter"),
    path("staff/chuyen-giao/", transfer_views.transfer_page, name="transfer"),
    path("staff/so-theo-doi.pdf", views.tracking_book_pdf, name="tracking_book"),
    # the routes with a fixed tail before the bare code (a code may hold "/": core/converters.py)
    path("staff/dossiers/<dossier:code>/act/<slug:action>/", views.dossier_act, name="act"),
    path("staff/dossiers/<dossier:code>/documents/<int:pk>/", views.document_download, name="document"),
    path("staff/dossiers/<dossier:code>/documents/", views.upload, name="upload"),
    path("staff/dossiers/<dossier:code>/forms/<slug:form>.pdf", views.form_pdf, name="form_pdf"),
    path("staff/dossiers/<dossier:code>/", views.dossier_detail, name="detail"),
]
