"""The deployment pages' server side: who sees them, and the drawing style the playground receives (the class
skeleton frozen with the active version; Sapiens2's official Goliath colours)."""
from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.django_db


def _styles(html: str) -> dict:
    match = re.search(r'<script id="class-styles" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the playground carries its class styles as a JSON data block"
    return json.loads(match.group(1))


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


def _deployment(user, **kw):
    from accounts.selectors import personal_workspace
    from deploy.models import Deployment

    return Deployment.objects.create(workspace=personal_workspace(user), name="d", **kw)


def test_playground_draws_the_active_versions_classes_in_their_colours(logged_in, user):
    d = _deployment(user, kind="custom")
    d.versions.create(number=1, classes=[{"name": "old", "color": "#000000", "keypoints": ["a"], "connections": []}])
    d.versions.create(number=2, active=True, classes=[
        {"name": "hand", "color": "#16a34a", "keypoints": ["wrist", "tip"], "connections": [[0, 1]]}])
    html = logged_in.get(f"/deployments/{d.pk}/playground/").content.decode()
    assert _styles(html) == {"hand": {"color": "#16a34a", "keypoints": ["wrist", "tip"], "connections": [[0, 1]]}}
    assert 'src="/static/deploy/playground.js"' in html and "<style" not in html


def test_sapiens2_playground_uses_the_official_goliath_colours(logged_in, user):
    from deploy.pages import GOLIATH

    data = json.loads(GOLIATH.read_text())
    d = _deployment(user, kind="sapiens2", model_size="0.4b")
    person = _styles(logged_in.get(f"/deployments/{d.pk}/playground/").content.decode())["person"]
    assert len(person["keypoints"]) == 308 and person["keypoints"] == data["keypoints"]
    assert person["connections"] == data["skeleton"]
    assert person["connection_colors"] == data["skeleton_colors"] and person["keypoint_colors"] == data["keypoint_colors"]


def test_create_form_offers_every_sapiens2_size_and_says_which_checkpoints_are_missing(logged_in, settings, tmp_path):
    settings.SAPIENS_CHECKPOINT_ROOT = str(tmp_path / "none")
    html = logged_in.get("/deployments/?session=5&weights=last").content.decode()
    for size in ("0.4b", "0.8b", "1b", "5b"):
        assert f'<option value="{size}">{size} (checkpoint missing)</option>' in html
    assert 'data-session="5"' in html and 'data-weights="last"' in html


def test_another_users_deployment_pages_answer_404(client, user, other_user):
    d = _deployment(user, kind="custom")
    client.force_login(other_user)
    assert client.get(f"/deployments/{d.pk}/").status_code == 404
    assert client.get(f"/deployments/{d.pk}/playground/").status_code == 404


def test_playground_right_after_a_deploy_draws_the_exporting_versions_classes(logged_in, user):
    d = _deployment(user, kind="custom")
    d.versions.create(number=1, status="exporting", classes=[
        {"name": "person", "color": "#16a34a", "keypoints": ["a"], "connections": []}])
    html = logged_in.get(f"/deployments/{d.pk}/playground/").content.decode()
    assert _styles(html)["person"]["color"] == "#16a34a"
