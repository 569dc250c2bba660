from django.contrib import admin
from django.urls import include, path, re_path

from motcua.api import api
from motcua.core.errorviews import api_not_found
from motcua.core.health import healthz
from motcua.core.views import favicon
from motcua.dossiers import slash_codes

admin.site.site_header = "Quản trị Một cửa điện tử"
admin.site.site_title = "Mot Cua"
admin.site.index_title = "Quản trị hệ thống"

urlpatterns = [
    path("healthz", healthz, name="healthz"),  # load balancers and monitoring (motcua/core/health.py)
    # pages name their icon; the admin's and a browser's default request for /favicon.ico find it too
    path("favicon.ico", favicon),
    # imported codes with a slash ("123/2019/HS"): only paths the API's own dossier routes cannot take
    re_path(slash_codes.PATTERN, slash_codes.dispatch, name="dossier_slash_code"),
    path("api/v1/", api.urls),
    # any other /api/ path: the API's JSON 404, also with DEBUG on (where Django would answer its HTML debug page)
    re_path(r"^api/", api_not_found),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("motcua.org.urls")),
    path("", include("motcua.catalog.urls")),
    path("", include("motcua.dossiers.urls")),
    path("", include("motcua.reports.urls")),
    path("", include("motcua.portal.urls")),
    path("", include("motcua.feedback.urls")),
    path("", include("motcua.community.urls")),
    path("", include("motcua.notifications.urls")),
]

# Vietnamese-first pages, JSON on /api/ (motcua/core/errorviews.py)
handler400 = "motcua.core.errorviews.bad_request"
handler403 = "motcua.core.errorviews.permission_denied"
handler404 = "motcua.core.errorviews.page_not_found"
handler500 = "motcua.core.errorviews.server_error"
