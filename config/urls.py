from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("datasets.urls")),
    path("", include("labeling.urls")),
    path("", include("training.urls")),
    path("", include("deploy.urls")),
    path("", include("autolabel.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file (?script): the page runs under script-src 'self'.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="frontend/swagger_ui.html"),
         name="swagger-ui"),
    path("", include("deploy.public_urls")),
    path("", include("accounts.page_urls")),
    path("", include("datasets.page_urls")),
    path("", include("labeling.page_urls")),
    path("", include("training.page_urls")),
    path("", include("deploy.page_urls")),
]
