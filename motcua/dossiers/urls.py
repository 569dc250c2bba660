from django.urls import path

from . import views

app_name = "dossiers"
urlpatterns: list = [
    path("staff/", views.inbox, name="inbox"),
    path("staff/tiep-nhan/", views.counter, name="counter"),
    path("staff/so-theo-doi.pdf", views.tracking_book_pdf, name="tracking_book"),
    path("staff/dossiers/<str:code>/", views.dossier_detail, name="detail"),
    path("staff/dossiers/<str:code>/act/<slug:action>/", views.dossier_act, name="act"),
    path("staff/dossiers/<str:code>/documents/", views.upload, name="upload"),
    path("staff/dossiers/<str:code>/documents/<int:pk>/", views.document_download, name="document"),
    path("staff/dossiers/<str:code>/forms/<slug:form>.pdf", views.form_pdf, name="form_pdf"),
]
