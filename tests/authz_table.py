"""The one table of expected authorisation outcomes, read by tests/test_authz_matrix.py.

Every URL pattern of config.urls (and everything it includes) must have a row here, keyed by its route string
(as `str(pattern.pattern)` joined from the root, e.g. "api/v1/datasets/<int:pk>/"), with one Rule per HTTP
method. A route without a row, or an API method without a rule, fails the test: a new route forces a decision.

A Rule says what the route is about and what an allowed caller gets; the expected status of each principal
follows from it (`expected`):
- kind "object": the workspace comes from the object (`pk` names which fixture object fills the route);
  a member whose role may do `action` gets `ok`, another member 403, a member of another workspace 404;
- kind "list": a list or create route, called with `?workspace=<team id>`: the same as "object";
- kind "user": anyone logged in gets `ok` (their own things: profile, tokens, new workspaces);
- kind "public": everybody gets `ok`, anonymous included;
- kind "staff": the Django admin; no principal here is staff, so everyone gets `ok` (a redirect to its login);
- kind "deployment": HOOK for deploy routes (once the deploy app has them): a wrong deployment key gets
  `wrong_key` (401/403), and the rest follows "object". Add the routes with this kind and give the
  fixture a deployment in test_authz_matrix.build_world.
Not logged in (anonymous, or only a wrong `Authorization: Bearer` key): 401 on the API, a redirect (302) to
the log-in page on pages. `override` sets one principal's status where a route deliberately differs.

How to add rows: add the route here with its methods; if it needs an object, add it to `build_world` (the
team workspace) and name it in `pk`/`values`; destructive methods take a `fresh` factory so each allowed
caller acts on its own object.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from accounts.roles import Action

PRINCIPALS = ["anonymous", "wrong_key", "outsider", "viewer", "labeller", "trainer", "admin"]
ROLES = {"viewer", "labeller", "trainer", "admin"}


@dataclass(frozen=True)
class Rule:
    kind: str
    ok: int
    action: str | None = None
    pk: str | None = None  # which world object fills <pk>
    body: object = None  # JSON dict, or a name of a body builder in the test (e.g. "upload")
    query: str = ""
    fresh: str | None = None  # a factory in the test making a new object per call (destructive methods)
    override: dict = field(default_factory=dict)
    wrong_key: int | None = None  # "deployment" kind only


def expected(rule: Rule, principal: str, api: bool) -> int:
    from accounts.roles import can

    if principal in rule.override:
        return rule.override[principal]
    if rule.kind in ("public", "staff"):
        return rule.ok
    if principal == "wrong_key" and rule.kind == "deployment":
        return rule.wrong_key
    if principal in ("anonymous", "wrong_key"):
        return 401 if api else 302
    if rule.kind == "user":
        return rule.ok
    if principal == "outsider":
        return 404
    return rule.ok if can(principal, rule.action) else 403


V, LABEL, DATA, DELETE, TRAIN, MEMBERS = (Action.VIEW, Action.LABEL, Action.MANAGE_DATA, Action.DELETE_DATASET,
                                          Action.TRAIN, Action.MANAGE_MEMBERS)
DEPLOY, KEYS = Action.DEPLOY, Action.MANAGE_KEYS  # issue 11


def obj(action, ok=200, pk=None, **kw) -> Rule:
    return Rule("object", ok, action, pk, **kw)


def page(pk=None, ok=200, **kw) -> Rule:
    return Rule("object", ok, V, pk, **kw)


ROWS: dict[str, dict[str, Rule]] = {
    # ------------------------------------------------------------ accounts: pages
    "accounts/login/": {"GET": Rule("public", 200), "POST": Rule("public", 200, body={"username": "x", "password": "y"})},
    "accounts/logout/": {"GET": Rule("public", 405), "POST": Rule("public", 302)},
    "accounts/signup/": {"GET": Rule("public", 200), "POST": Rule("public", 200, body={"username": ""})},
    "accounts/invite/<str:key>/": {"GET": Rule("public", 200),
                                   "POST": Rule("user", 302, fresh="foreign_invitation")},
    "accounts/workspace/": {"GET": Rule("user", 405), "POST": obj(V, 302, body="switch")},
    "accounts/tokens/": {"GET": Rule("user", 200)},
    "workspaces/": {"GET": Rule("user", 200)},
    "workspaces/<int:pk>/": {"GET": page("ws")},
    # ------------------------------------------------------------ accounts: API
    "api/v1/auth/token/": {"POST": Rule("public", 200, body={"username": "alice", "password": "s3cret-pass-1"})},
    "api/v1/auth/me/": {"GET": Rule("user", 200)},
    "api/v1/auth/tokens/": {"GET": Rule("user", 200), "POST": Rule("user", 201, body={"name": "m", "days": 1})},
    "api/v1/auth/tokens/<int:token_id>/": {"DELETE": Rule("user", 204, fresh="own_token")},
    "api/v1/workspaces/": {"GET": Rule("user", 200), "POST": Rule("user", 201, body={"name": "scratch"})},
    "api/v1/workspaces/<int:pk>/": {"GET": obj(V, pk="ws"), "PATCH": obj(MEMBERS, pk="ws", body={"name": "Lab"}),
                                    "DELETE": obj(MEMBERS, 204, pk="ws", fresh="empty_team")},
    "api/v1/workspaces/<int:pk>/backup/": {"GET": obj(MEMBERS, pk="ws")},
    "api/v1/workspaces/<int:pk>/members/": {"GET": obj(V, pk="ws")},
    "api/v1/workspaces/<int:pk>/members/<int:user_id>/": {
        "PATCH": obj(MEMBERS, pk="ws", body={"role": "viewer"}),  # carol stays a viewer
        "DELETE": obj(MEMBERS, 204, pk="ws", fresh="extra_member")},
    "api/v1/workspaces/<int:pk>/invitations/": {"GET": obj(MEMBERS, pk="ws"),
                                                "POST": obj(MEMBERS, 201, pk="ws", body={"role": "viewer"})},
    "api/v1/workspaces/<int:pk>/invitations/<int:invitation_id>/": {"DELETE": obj(MEMBERS, 204, pk="ws")},
    "api/v1/invitations/accept/": {"POST": Rule("user", 200, body="accept_foreign")},
    # ------------------------------------------------------------ datasets
    "": {"GET": Rule("user", 200)},
    "datasets/<int:pk>/": {"GET": page("dataset")},
    "api/v1/datasets/": {"GET": Rule("list", 200, V), "POST": Rule("list", 201, DATA, body="new_dataset")},
    "api/v1/datasets/<int:pk>/": {"GET": obj(V, pk="dataset"), "PUT": obj(DATA, pk="dataset", body={"name": "people"}),
                                  "PATCH": obj(DATA, pk="dataset", body={"description": "d"}),
                                  "DELETE": obj(DELETE, 204, pk="dataset", fresh="dataset")},
    "api/v1/datasets/<int:pk>/move/": {"POST": obj(MEMBERS, pk="dataset", fresh="dataset", body="move")},
    "api/v1/datasets/<int:pk>/progress/": {"GET": obj(V, pk="dataset")},
    "api/v1/datasets/<int:pk>/images/": {"GET": obj(V, pk="dataset"), "POST": obj(DATA, 201, pk="dataset", body="upload")},
    "api/v1/datasets/<int:pk>/classes/": {"GET": obj(V, pk="dataset"),
                                          "POST": obj(DATA, 201, pk="dataset", body="new_class")},
    "api/v1/datasets/<int:pk>/export/": {"GET": obj(V, pk="dataset", query="?format=coco")},
    "api/v1/datasets/<int:pk>/import-coco/": {"POST": obj(DATA, 400, pk="dataset", body="bad_zip")},
    "api/v1/datasets/<int:pk>/import-yolo/": {"POST": obj(DATA, 400, pk="dataset", body="bad_zip")},
    "api/v1/datasets/<int:pk>/imports/": {"POST": obj(DATA, 202, pk="dataset", body="bad_zip")},
    "api/v1/datasets/<int:pk>/exports/": {"POST": obj(V, 202, pk="dataset", body={"format": "coco"})},
    "api/v1/datasets/<int:pk>/jobs/": {"GET": obj(V, pk="dataset")},
    "api/v1/jobs/<int:pk>/": {"GET": obj(V, pk="job")},
    "api/v1/jobs/<int:pk>/cancel/": {"POST": obj(DATA, pk="job", fresh="job")},
    "api/v1/jobs/<int:pk>/download": {"GET": obj(V, pk="job")},
    "api/v1/images/<int:pk>/": {"GET": obj(V, pk="image"), "PATCH": obj(DATA, pk="image", body={"split": "val"}),
                                "DELETE": obj(DATA, 204, pk="image", fresh="image")},
    "api/v1/images/<int:pk>/file": {"GET": obj(V, pk="image")},
    "api/v1/images/<int:pk>/thumbnail": {"GET": obj(V, pk="image")},
    "api/v1/images/<int:pk>/display": {"GET": obj(V, pk="image")},
    "api/v1/classes/<int:pk>/": {"GET": obj(V, pk="class"), "PUT": obj(DATA, pk="class", body={"name": "p"}),
                                 "PATCH": obj(DATA, pk="class", body={"color": "#00ff00"}),
                                 "DELETE": obj(DATA, 204, pk="class", fresh="class")},
    # ------------------------------------------------------------ labeling
    "datasets/<int:pk>/label/<int:image_id>/": {"GET": page("dataset")},
    "datasets/<int:pk>/classes/<int:class_id>/template/": {"GET": page("dataset")},
    # A stale version proves the write passed the role check (409) without changing anything.
    "api/v1/images/<int:pk>/annotations/": {"GET": obj(V, pk="image"),
                                            "PUT": obj(LABEL, 409, pk="image", body={"version": 10**6, "instances": []})},
    "api/v1/datasets/<int:pk>/assignments/": {"GET": obj(V, pk="dataset")},
    "api/v1/datasets/<int:pk>/assignments/split/": {"POST": obj(MEMBERS, pk="dataset", body="split")},
    "api/v1/datasets/<int:pk>/assignments/reassign/": {"POST": obj(MEMBERS, pk="dataset", body="reassign")},
    "api/v1/datasets/<int:pk>/assignments/clear/": {"POST": obj(MEMBERS, pk="dataset", body={})},
    # ------------------------------------------------------------ training
    "training/": {"GET": Rule("user", 200)},
    "training/<int:pk>/": {"GET": page("session")},
    "training/<int:pk>/evaluation/": {"GET": page("session")},
    "api/v1/training-sessions/": {
        "GET": Rule("list", 200, V),
        # The dataset is named in the body: an outsider gets the same 400 as for a dataset that does not exist.
        # The dataset has an unlabelled image, so an allowed caller gets 409 and nothing is queued.
        "POST": Rule("list", 409, TRAIN, body="train", override={"outsider": 400})},
    "api/v1/training-sessions/<int:pk>/": {"GET": obj(V, pk="session"),
                                           "PATCH": obj(TRAIN, pk="session", body={"name": "s"}),
                                           "DELETE": obj(TRAIN, 204, pk="session", fresh="session")},
    "api/v1/training-sessions/<int:pk>/epochs/": {"GET": obj(V, pk="session")},
    "api/v1/training-sessions/<int:pk>/log/": {"GET": obj(V, pk="session")},
    "api/v1/training-sessions/<int:pk>/cancel/": {"POST": obj(TRAIN, 409, pk="session")},  # completed: not active
    "api/v1/training-sessions/<int:pk>/resume/": {"POST": obj(TRAIN, 409, pk="session")},  # completed
    "api/v1/training-sessions/<int:pk>/weights/<str:kind>": {"GET": obj(V, pk="session")},
    "api/v1/training-sessions/<int:pk>/evaluation/": {"GET": obj(V, pk="session"),
                                                      "POST": obj(TRAIN, 409, pk="session")},  # already running
    "api/v1/training-sessions/<int:pk>/evaluation/images/<int:index>": {"GET": obj(V, pk="session")},
    "api/v1/training-algorithms/": {"GET": Rule("user", 200)},
    "api/v1/training-workers/": {"GET": Rule("user", 200)},
    # ------------------------------------------------------------ issue 11 pages (deployui): deployment pages
    # The deployment fixture ("deployment" in build_world) belongs to the team workspace; any member may look.
    "deployments/": {"GET": Rule("user", 200)},
    "deployments/<int:pk>/": {"GET": page("deployment")},
    "deployments/<int:pk>/playground/": {"GET": page("deployment")},
    # ------------------------------------------------------------ end of issue 11 pages
    # ------------------------------------------------------------ issue 12: honest training
    "api/v1/training-sessions/<int:pk>/coco/<str:file>": {"GET": obj(V, pk="session")},
    # An empty results list scores (AP 0); the dataset is read, never changed.
    "api/v1/datasets/<int:pk>/evaluate/": {"POST": obj(V, pk="dataset", body={"predictions": []})},
    "api/v1/datasets/<int:pk>/training-check/": {"GET": obj(V, pk="dataset")},
    "api/v1/training-pretrained/": {"GET": Rule("user", 200)},
    # ------------------------------------------------------------ issue 11: deployments (API)
    # Creating from the world's session (its best.pt is not a model) answers 400 weights_invalid to an allowed
    # caller; the detect routes get no image, so an allowed caller gets 400 (the key/role check comes first).
    "api/v1/deployments/": {"GET": Rule("list", 200, V),
                            "POST": Rule("list", 400, DEPLOY, body="deploy")},
    "api/v1/deployments/<int:pk>/": {"GET": obj(V, pk="deployment"),
                                     "PATCH": obj(DEPLOY, pk="deployment", body={"name": "served"}),
                                     "DELETE": obj(DEPLOY, 204, fresh="deployment")},
    "api/v1/deployments/<int:pk>/versions/": {"GET": obj(V, pk="deployment"),
                                              "POST": obj(DEPLOY, 400, pk="deployment", body="redeploy")},
    "api/v1/deployments/<int:pk>/versions/<int:number>/activate/": {"POST": obj(DEPLOY, pk="deployment")},
    "api/v1/deployments/<int:pk>/keys/": {"GET": obj(KEYS, pk="deployment"),
                                          "POST": obj(KEYS, 201, pk="deployment", body={"name": "k"})},
    "api/v1/deployments/<int:pk>/keys/<int:key_id>/": {"DELETE": obj(KEYS, fresh="deployment_key")},
    "api/v1/deployments/<int:pk>/usage/": {"GET": obj(V, pk="deployment")},
    "api/v1/deployments/<int:pk>/detect": {"POST": Rule("deployment", 400, V, pk="deployment", wrong_key=401)},
    # The short URL is outside /api/: still JSON, so a caller without credentials gets 401, not a log-in redirect.
    "d/<str:slug>/detect": {"POST": Rule("deployment", 400, V, wrong_key=401, override={"anonymous": 401})},
    # ------------------------------------------------------------ fixapi: detect also with a trailing slash
    "api/v1/deployments/<int:pk>/detect/": {"POST": Rule("deployment", 400, V, pk="deployment", wrong_key=401)},
    "d/<str:slug>/detect/": {"POST": Rule("deployment", 400, V, wrong_key=401, override={"anonymous": 401})},
    # ------------------------------------------------------------ end of fixapi
    # ------------------------------------------------------------ issue 13: autolabel (review queue, suggestions)
    "api/v1/datasets/<int:pk>/review/": {"GET": obj(V, pk="dataset")},
    "api/v1/datasets/<int:pk>/review/next/": {"GET": obj(V, pk="dataset")},
    # The image holds no open suggestions: an allowed caller's accept/reject at the current version changes nothing.
    "api/v1/images/<int:pk>/suggestions/accept/": {"POST": obj(LABEL, pk="image", body={"version": 1})},
    "api/v1/images/<int:pk>/suggestions/reject/": {"POST": obj(LABEL, pk="image", body={"version": 1})},
    "api/v1/datasets/<int:pk>/autolabel/": {"GET": obj(V, pk="dataset"),
                                            "PUT": obj(DATA, pk="dataset", body={"conf": 0.3})},
    "api/v1/datasets/<int:pk>/autolabel/mappings/": {"GET": obj(V, pk="dataset")},
    "api/v1/datasets/<int:pk>/autolabel/mappings/<int:class_id>/": {
        "GET": obj(V, pk="dataset"), "PUT": obj(DATA, pk="dataset", body={"model_class": "p", "mapping": ["a"]})},
    # Bodies an allowed caller gets a 400 for: nothing is queued.
    "api/v1/datasets/<int:pk>/autolabel/run/": {"POST": obj(DATA, 400, pk="dataset", body={"images": []})},
    "api/v1/datasets/<int:pk>/autolabel/evaluate/": {"POST": obj(DATA, 400, pk="dataset",
                                                                 body={"deployment": 10**6})},
    "api/v1/datasets/<int:pk>/autolabel/jobs/": {"GET": obj(V, pk="dataset")},
    "api/v1/autolabel-jobs/<int:pk>/": {"GET": obj(V, pk="autolabel_job")},
    "api/v1/autolabel-jobs/<int:pk>/cancel/": {"POST": obj(DATA, 409, pk="autolabel_job")},  # done: not active
    # ------------------------------------------------------------ end of issue 13
    # ------------------------------------------------------------ schema (public, as drf-spectacular serves it)
    "api/schema/": {"GET": Rule("public", 200)},
    "api/docs/": {"GET": Rule("public", 200)},
}

# The Django admin (every route under admin/): staff only. Non-staff are sent to its log-in page, except:
ADMIN_PREFIX = "admin/"
ADMIN = Rule("staff", 302)
ADMIN_EXCEPTIONS = {
    "admin/login/": Rule("public", 200),
}
# Admin routes written as regular expressions, and the path each is called with.
ADMIN_PATHS = {"^(?P<app_label>": "admin/auth/", "(?P<url>.*)$": "admin/no-such-page/"}
