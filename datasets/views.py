"""Server-rendered page shells of the datasets app; the data comes from the REST API through ES modules."""
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts import selectors as workspaces
from accounts.roles import Action, can

from . import selectors


@login_required
@ensure_csrf_cookie
def dataset_list(request):
    """The current workspace's datasets (the shell's switcher; `?workspace=<id>` switches too)."""
    raw = request.GET.get("workspace")
    if raw:
        workspaces.remember_workspace(request, workspaces.workspace_get(request.user, raw).pk)
    ws = workspaces.current_workspace(request)
    return render(request, "datasets/dataset_list.html", {
        "ws": ws, "can_create": can(ws.my_role, Action.MANAGE_DATA)})


@login_required
@ensure_csrf_cookie
def dataset_detail(request, pk):
    dataset = selectors.dataset_get(request.user, pk)
    workspaces.remember_workspace(request, dataset.workspace_id)
    max_bytes = settings.MAX_IMAGE_BYTES
    return render(request, "datasets/dataset_detail.html", {
        "dataset": dataset, "is_admin": can(dataset.my_role, Action.MANAGE_MEMBERS),
        "can_manage": can(dataset.my_role, Action.MANAGE_DATA), "can_delete": can(dataset.my_role, Action.DELETE_DATASET),
        "max_image_bytes": max_bytes, "max_image_mb": max_bytes // (1024 * 1024),
    })
