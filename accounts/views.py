from django.conf import settings
from urllib.parse import urlsplit

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import UserCreationForm
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from core.errors import PosedeckError

from . import selectors, services
from .models import Invitation
from .roles import Action, actions_of
from .throttles import login_wait


def _safe_next(request, target: str, default: str = "/") -> str:
    ok = target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure())
    return target if ok else default


class LoginView(auth_views.LoginView):
    """Django's log-in page, with attempts throttled per address and per account (accounts.throttles)."""

    template_name = "accounts/login.html"

    def post(self, request, *args, **kwargs):
        wait = login_wait(request)
        if wait is None:
            return super().post(request, *args, **kwargs)
        form = self.get_form()
        form.errors.clear()
        form.add_error(None, f"Too many log-in attempts. Try again in {wait} seconds.")
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(wait)
        return response

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "signup_open": settings.SIGNUP_OPEN}


def _invitation_in(target: str):
    """The usable invitation whose link `target` (a `next` URL) is, or None."""
    try:
        match = resolve(urlsplit(target).path)
    except Resolver404:
        return None
    if match.url_name != "invitation-page":
        return None
    return selectors.invitation_usable(match.kwargs["key"])


def signup(request):
    """Sign up, log in, and go to `next` (e.g. back to the invite link that sent the person here).

    With SIGNUP_OPEN off, only someone following a valid invitation link (`next`) may sign up; anyone else
    gets 403 and a page saying that sign-up is closed."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not settings.SIGNUP_OPEN and _invitation_in(target) is None:
        return render(request, "accounts/signup_closed.html", status=403)
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(_safe_next(request, target))
    return render(request, "accounts/signup.html", {"form": form, "next": target})


def invitation(request, key):
    """An invite link: shows the workspace and role, and joins on "Accept". Someone not logged in is offered
    sign-up and log-in, each bringing them back here."""
    inv = Invitation.objects.select_related("workspace", "created_by").filter(digest=services.digest(key)).first()
    error = ""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{settings.LOGIN_URL}?next={request.path}")
        try:
            membership = services.invitation_accept(key=key, user=request.user)
        except PosedeckError as exc:
            error = exc.message
        else:
            selectors.remember_workspace(request, membership.workspace_id)
            return redirect(f"/?workspace={membership.workspace_id}")
    elif inv is None or inv.revoked_at:
        error = "This invitation link is not valid (unknown or revoked)."
    elif inv.accepted_at:
        error = "This invitation link has already been used."
    elif inv.expires_at < timezone.now():
        error = "This invitation link has expired; ask for a new one."
    return render(request, "accounts/invitation.html", {"inv": inv, "error": error, "login_url": settings.LOGIN_URL},
                  status=400 if error else 200)


@login_required
@require_POST
def workspace_switch(request):
    """The shell's switcher: make another of the user's workspaces the current one."""
    ws = selectors.workspace_get(request.user, request.POST.get("workspace"))
    selectors.remember_workspace(request, ws.pk)
    target = request.POST.get("next") or "/"
    # A list page shows the new workspace; a page about one object of the old workspace would not.
    return redirect(target if target in ("/", "/training/", "/workspaces/") else "/")


@login_required
@ensure_csrf_cookie
def workspace_list_page(request):
    return render(request, "accounts/workspaces.html")


@login_required
@ensure_csrf_cookie
def workspace_page(request, pk):
    ws = selectors.workspace_get(request.user, pk)
    selectors.remember_workspace(request, ws.pk)
    return render(request, "accounts/workspace.html", {
        "ws": ws, "is_admin": Action.MANAGE_MEMBERS in actions_of(ws.my_role), "roles": ["admin", "trainer",
                                                                                         "labeller", "viewer"],
    })


@login_required
@ensure_csrf_cookie
def tokens_page(request):
    return render(request, "accounts/tokens.html")
