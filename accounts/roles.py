"""What each role may do. One table, read by every permission check (accounts.selectors.require)."""
from __future__ import annotations

from .models import Role


class Action:
    VIEW = "view"  # read datasets, images, labels, sessions, deployments; export
    LABEL = "label"  # save annotations, accept or reject suggestions
    MANAGE_DATA = "manage_data"  # datasets, uploads, classes and templates, imports, splits, autolabel settings
    DELETE_DATASET = "delete_dataset"  # a whole dataset with its images and labels
    TRAIN = "train"  # start, cancel, resume, delete training sessions
    DEPLOY = "deploy"  # create, change and delete deployments and their versions
    MANAGE_KEYS = "manage_keys"  # deployment API keys
    MANAGE_MEMBERS = "manage_members"  # members, roles, invitations, assignments, moving datasets, backups


ALLOWED: dict[str, frozenset[str]] = {
    Action.VIEW: frozenset({Role.ADMIN, Role.TRAINER, Role.LABELLER, Role.VIEWER}),
    Action.LABEL: frozenset({Role.ADMIN, Role.TRAINER, Role.LABELLER}),
    Action.MANAGE_DATA: frozenset({Role.ADMIN, Role.TRAINER}),
    Action.DELETE_DATASET: frozenset({Role.ADMIN}),
    Action.TRAIN: frozenset({Role.ADMIN, Role.TRAINER}),
    Action.DEPLOY: frozenset({Role.ADMIN, Role.TRAINER}),
    Action.MANAGE_KEYS: frozenset({Role.ADMIN}),
    Action.MANAGE_MEMBERS: frozenset({Role.ADMIN}),
}


def can(role: str | None, action: str) -> bool:
    return role is not None and role in ALLOWED[action]


def actions_of(role: str | None) -> list[str]:
    return [action for action, roles in ALLOWED.items() if role in roles]
