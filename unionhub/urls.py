from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from unionhub.health import HealthApi

api_v1 = [
    path("health/", HealthApi.as_view(), name="api-health"),
    path("", include("members.api_urls")),
    path("", include("applications.api_urls")),
    path("", include("transfers.api_urls")),
    path("", include("dues.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # the split view serves its start-up script as a file: no inline script, so our CSP lets it run
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("members.urls")),
    path("", include("applications.urls")),
    path("", include("transfers.urls")),
    path("", include("dues.urls")),
    path("", include("security.urls")),
]

handler404 = "unionhub.api.page_not_found"
handler500 = "unionhub.api.server_error"
