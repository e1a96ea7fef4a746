"""Server-rendered page shells of the datasets app; the data comes from the REST API through ES modules."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from . import selectors


@login_required
@ensure_csrf_cookie
def dataset_list(request):
    return render(request, "datasets/dataset_list.html")


@login_required
@ensure_csrf_cookie
def dataset_detail(request, pk):
    dataset = selectors.dataset_get(request.user, pk)
    max_bytes = settings.MAX_IMAGE_BYTES
    return render(request, "datasets/dataset_detail.html", {
        "dataset": dataset, "max_image_bytes": max_bytes, "max_image_mb": max_bytes // (1024 * 1024),
    })
