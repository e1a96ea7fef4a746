"""Server-rendered page shells; the data comes from the REST API through ES modules."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from . import selectors


@login_required
@ensure_csrf_cookie
def session_list(request):
    return render(request, "training/session_list.html", {"dataset_id": request.GET.get("dataset", "")})


@login_required
@ensure_csrf_cookie
def session_dashboard(request, pk):
    return render(request, "training/dashboard.html", {"session": selectors.session_get(request.user, pk)})


@login_required
@ensure_csrf_cookie
def session_evaluation(request, pk):
    return render(request, "training/evaluation.html", {"session": selectors.session_get(request.user, pk)})
