"""A bounded schemathesis run against /api/schema/: every operation, as a logged-in admin of a workspace holding
a dataset, classes, images, annotations, a training session and an invitation (ids 1, 2, ... that the generated
path parameters often hit). Checks: no 5xx, and every answer's content type and body conform to the schema.

Bounded for CI: FUZZ_EXAMPLES generated cases per operation and mode, positive and negative (default 6); the run prints how many cases it made
in all and how many answered 5xx."""
from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis.errors import Unsatisfiable
from hypothesis import settings as hsettings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from django.core import signals
from django.db import close_old_connections

from tests.conftest import jpeg_bytes

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]
# Operations left out: each starts real work in a worker or on a model that fuzzing would only queue up.
SKIP = {("POST", "/api/v1/training-sessions/")}


def make_world(make_user) -> str:
    """Two workspaces of alice's, each with a dataset, two images (one labelled), a class, a finished training
    session; an open invitation. Returns her API token."""
    from accounts import services as accounts
    from accounts.tokens import token_create
    from datasets import services as data
    from datasets.annotations import annotation_write
    from training.models import TrainingSession

    user = make_user("alice")
    ws = accounts.personal_workspace_create(user=user)
    team = accounts.workspace_create(user=user, name="Lab")
    accounts.invitation_create(workspace=team, role="labeller", created_by=user)
    for workspace in (ws, team):
        ds = data.dataset_create(workspace=workspace, user=user, name="people")
        images = [data.image_add(dataset=ds, name=f"{i}.jpg", data=jpeg_bytes(seed=i + workspace.pk * 10))[0]
                  for i in (1, 2)]
        cls = data.class_create(dataset=ds, name="p", keypoints=[{"name": "a"}, {"name": "b"}])
        annotation_write(image=images[0], version=0, user=user,
                         instances=[{"class": cls.pk, "bbox": [1, 1, 10, 10], "keypoints": [[2, 2, 2], [3, 3, 1]]}])
        TrainingSession.objects.create(workspace=workspace, dataset=ds, algorithm="yolo11n-pose", status="completed")
    _, secret = token_create(user=user, name="fuzz", days=1)
    return secret


@pytest.mark.django_db
def test_api_answers_no_5xx_and_conforms_to_its_schema(make_user, capsys):
    from config.wsgi import application

    token = make_world(make_user)
    # As Django's test client does: the WSGI handler would close the test's database connection (and its
    # transaction) at the end of every request.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
        tally, failures = fuzz(schema, token)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    with capsys.disabled():
        print(f"\nschemathesis: {tally['operations']} operations, {tally['cases']} cases, {tally['5xx']} answered 5xx, "
              f"{len(failures)} operations failing a check")
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in sorted(failures.items()))
    assert tally["5xx"] == 0


def fuzz(schema, token: str) -> tuple[dict, dict]:
    tally = {"operations": 0, "cases": 0, "5xx": 0}
    failures: dict[str, str] = {}

    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        tally["operations"] += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @hsettings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                       phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def run(case):
                tally["cases"] += 1
                response = case.call(headers={"Authorization": f"Token {token}"})
                if response.status_code >= 500:
                    tally["5xx"] += 1
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Exception, BaseExceptionGroup) as exc:  # keep the first failure of each operation; go on with the others
                    key = f"{operation.method.upper()} {operation.path}"
                    failures.setdefault(key, f"{response.status_code} {mode.value}: {str(exc)[:600]}")

            try:
                run()
            except Unsatisfiable:  # nothing to negate (an operation without inputs): the positive run covers it
                assert mode == GenerationMode.NEGATIVE
    return tally, failures
