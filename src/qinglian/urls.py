from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from qinglian.api import api

urlpatterns = [
    path("", include("qinglian.core.urls")),
    path("accounts/", include("qinglian.accounts.urls")),
    path("orgs/", include("qinglian.orgs.urls")),
    path("orglife/", include("qinglian.orglife.urls")),
    path("study/", include("qinglian.study.urls")),
    path("risks/", include("qinglian.risks.urls")),
    path("discipline/", include("qinglian.discipline.urls")),
    path("evaluation/", include("qinglian.evaluation.urls")),
    path("report/", include("qinglian.discipline.portal_urls")),
    path("duties/", include("qinglian.duties.urls")),
    path("rectification/", include("qinglian.rectification.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    # Browsers ask for /favicon.ico on pages that name no icon (raw JSON, downloads).
    path("favicon.ico", RedirectView.as_view(url=f"{settings.STATIC_URL}qinglian/favicon.svg")),
]
if settings.DEBUG:
    # Superusers only, for inspecting data during development; staff use the pages above.
    urlpatterns.append(path("django-admin/", admin.site.urls))

handler403 = "qinglian.core.views.permission_denied"
handler404 = "qinglian.core.views.page_not_found"
handler500 = "qinglian.core.views.server_error"
