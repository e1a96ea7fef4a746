from django.urls import path

from . import api, detect

urlpatterns = [
    path("deployments/", api.DeploymentListCreate.as_view(), name="deployment-list"),
    path("deployments/<int:pk>/", api.DeploymentDetail.as_view(), name="deployment-detail"),
    path("deployments/<int:pk>/versions/", api.VersionListCreate.as_view(), name="deployment-versions"),
    path("deployments/<int:pk>/versions/<int:number>/activate/", api.VersionActivate.as_view(),
         name="deployment-version-activate"),
    path("deployments/<int:pk>/keys/", api.KeyListCreate.as_view(), name="deployment-keys"),
    path("deployments/<int:pk>/keys/<int:key_id>/", api.KeyDetail.as_view(), name="deployment-key-detail"),
    path("deployments/<int:pk>/usage/", api.DeploymentUsage.as_view(), name="deployment-usage"),
    path("deployments/<int:pk>/detect", detect.DetectView.as_view(), name="deployment-detect"),
    # The same endpoint with the trailing slash every other API route has.
    path("deployments/<int:pk>/detect/", detect.DetectSlashView.as_view(), name="deployment-detect-slash"),
]
