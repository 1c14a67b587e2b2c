from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from unionhub import healthchecks
from unionhub.health import HealthApi

api_v1 = [
    path("health/", HealthApi.as_view(), name="api-health"),
    path("", include("members.api_urls")),
    path("", include("security.api_urls")),
    path("", include("portal.api_urls")),
    path("", include("applications.api_urls")),
    path("", include("transfers.api_urls")),
    path("", include("formation.api_urls")),
    path("", include("dues.api_urls")),
    path("", include("datawork.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # the split view serves its start-up script as a file: no inline script, so our CSP lets it run
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

# Admin pages of models that moved to another app keep their old addresses as permanent redirects.
MOVED_ADMIN = {
    "members/importjob": "datawork/importjob",
    "members/unionreview": "datawork/unionreview",
    "members/statisticspage": "datawork/statisticspage",
    "applications/workdayoverride": "casework/workdayoverride",
    "transfers/unionformationcase": "formation/unionformationcase",
}


def moved_admin_redirect(request, old: str, rest: str):
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"/admin/{MOVED_ADMIN[old]}/{rest}" + (f"?{query}" if query else ""))


urlpatterns = [
    re_path(r"^admin/(?P<old>{})/(?P<rest>.*)$".format("|".join(MOVED_ADMIN)), moved_admin_redirect),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/live/", healthchecks.live, name="health-live"),
    path("health/ready/", healthchecks.ReadyView.as_view(), name="health-ready"),
    path("", include("datawork.ops_urls")),
    path("", include("portal.urls")),
    path("", include("members.urls")),
    path("", include("applications.urls")),
    path("", include("transfers.urls")),
    path("", include("dues.urls")),
    path("", include("security.urls")),
]

handler404 = "unionhub.lib.api.page_not_found"
handler500 = "unionhub.lib.api.server_error"
