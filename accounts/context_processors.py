"""What the page shell (frontend/templates/frontend/base.html) shows on every page: the workspace switcher."""
from django.utils.functional import SimpleLazyObject

from . import selectors
from .roles import actions_of


def _shell(request) -> dict:
    current = selectors.current_workspace(request)
    return {"workspaces": list(selectors.workspaces_for(request.user)), "current": current,
            "actions": actions_of(current.my_role)}


def shell(request) -> dict:
    """`shell.workspaces` (each with `my_role`), `shell.current` (the current workspace), `shell.actions`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"shell": SimpleLazyObject(lambda: _shell(request))}
