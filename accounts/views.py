from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import PosedeckError

from . import services
from .models import Invitation


def signup(request):
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user)
        target = request.GET.get("next") or "/"
        safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure())
        return redirect(target if safe else "/")
    return render(request, "accounts/signup.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
def invitation(request, key):
    """An invite link: shows the workspace and role, and joins on "Accept"."""
    inv = Invitation.objects.select_related("workspace", "created_by").filter(digest=services.digest(key)).first()
    error = ""
    if request.method == "POST":
        try:
            membership = services.invitation_accept(key=key, user=request.user)
        except PosedeckError as exc:
            error = exc.message
        else:
            return redirect(f"/?workspace={membership.workspace_id}")
    elif inv is None or inv.revoked_at:
        error = "This invitation link is not valid (unknown or revoked)."
    elif inv.accepted_at:
        error = "This invitation link has already been used."
    elif inv.expires_at < timezone.now():
        error = "This invitation link has expired; ask for a new one."
    return render(request, "accounts/invitation.html", {"inv": inv, "error": error, "login_url": settings.LOGIN_URL},
                  status=400 if error else 200)
