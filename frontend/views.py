"""Server-rendered page shells; the data comes from the REST API through ES modules."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from datasets import selectors


@login_required
@ensure_csrf_cookie
def dataset_list(request):
    return render(request, "frontend/dataset_list.html")


@login_required
@ensure_csrf_cookie
def dataset_detail(request, pk):
    dataset = selectors.dataset_get(request.user, pk)
    return render(request, "frontend/dataset_detail.html", {"dataset": dataset})
