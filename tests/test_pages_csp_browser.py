"""Every page works under the Content-Security-Policy the server really sends (config.security: `script-src 'self';
style-src 'self'`, no inline scripts, no style attributes, nothing from other origins): Chromium, not bypassing
the policy, opens each page (log-in, sign-up, invitation, datasets, dataset, template editor, labeler, training
list, dashboard and evaluation, workspaces, workspace, API tokens, /api/docs/) and every blocked script, style or
request is a `securitypolicyviolation` event and a console error, which fails the test."""
from __future__ import annotations

import json
import time

import pytest
from django.conf import settings

from tests.conftest import SAMPLES_DIR, jpeg_bytes, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
COCO = SAMPLES_DIR / "coco"


def watch(page):
    """Record CSP violations and console errors; check that each document carries the server's policy."""
    page.errors = []
    page.documents = []
    page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: page.errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.on("response", lambda r: page.documents.append((r.url, r.headers.get("content-security-policy")))
            if r.request.resource_type == "document" else None)
    page.add_init_script("window.__cspViolations = [];"
                         "document.addEventListener('securitypolicyviolation', (e) => "
                         "window.__cspViolations.push(e.violatedDirective + ' ' + (e.sample || e.blockedURI)));")


@pytest.fixture
def strict_page(live_server, user, chromium_context_factory):
    """Alice logged in, in a browser that enforces the page's policy (no bypass_csp)."""
    page = chromium_context_factory(bypass_csp=False).new_page()
    watch(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "s3cret-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.base = live_server.url
    yield page
    page.context.close()


def wait_true(page, expression, timeout=30.0):
    """Poll an expression (page.wait_for_function evaluates its predicate with eval(), which the policy forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout}s: {expression}"
        page.wait_for_timeout(50)


def violations(page):
    return page.evaluate("window.__cspViolations")


def test_pages_run_under_a_strict_content_security_policy(strict_page, api, dataset):
    page = strict_page
    image = upload(api, dataset["id"], [("cam1/a.jpg", (COCO / "000000000785.jpg").read_bytes())]).json()["created"][0]
    cls = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {
        "name": "person", "color": "#e11d48",
        "keypoints": [{"name": n, "x": 0.3 + 0.1 * i, "y": 0.4} for i, n in enumerate(["nose", "left_eye", "right_eye"])]},
        format="json").json()
    api.put(f"/api/v1/images/{image['id']}/annotations/", {
        "version": 0, "instances": [{"class": cls["id"], "bbox": [100, 50, 200, 300], "keypoints": [[150, 100, 2]] * 3}],
        "crowd": [{"class": cls["id"], "bbox": [400, 50, 100, 100]}]}, format="json")

    page.goto(f"{page.base}/datasets/{dataset['id']}/")
    page.wait_for_selector(".thumb .badge.count")
    assert page.evaluate("document.querySelector('#classes .swatch').style.background") != ""  # set from JS: allowed
    page.click(".thumb .delete")
    page.wait_for_selector("#confirm-dialog")
    page.click("#confirm-dialog .dialog-cancel")
    page.click(".thumb .rename")
    page.keyboard.press("Escape")
    assert violations(page) == []

    page.goto(f"{page.base}/datasets/{dataset['id']}/classes/{cls['id']}/template/")
    wait_true(page, "window.__templateReady === true")
    page.click(".sigma-presets button[data-preset=coco17]")
    assert page.locator("#pair-list li").count() == 1
    assert json.loads(json.dumps(page.evaluate("window.__template.doc.sigmas"))) == [0.026, 0.025, 0.025]
    assert violations(page) == []

    page.goto(f"{page.base}/datasets/{dataset['id']}/label/{image['id']}/")
    wait_true(page, "window.__labelerReady === true")
    assert page.locator("rect.crowd-region").count() == 1
    assert violations(page) == []
    assert not page.errors, page.errors
    assert_policy_sent(page)


def assert_policy_sent(page):
    assert page.documents
    for url, policy in page.documents:
        assert policy == settings.CONTENT_SECURITY_POLICY, (url, policy)
    assert "'unsafe-inline'" not in settings.CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in settings.CONTENT_SECURITY_POLICY


def test_every_other_page_runs_under_the_policy(strict_page, api, dataset, user, chromium_context_factory):
    from accounts import services as accounts
    from config import storage
    from training.models import EpochMetric, TrainingSession

    page = strict_page
    upload(api, dataset["id"], [("a.jpg", jpeg_bytes(seed=4))])
    ws = accounts.workspace_create(user=user, name="Lab")
    _, key = accounts.invitation_create(workspace=ws, role="labeller", created_by=user)
    session = TrainingSession.objects.create(
        workspace_id=dataset["workspace"], dataset_id=dataset["id"], algorithm="yolo11n-pose", status="completed",
        evaluation_status="done", best_weights="training/0/weights/best.pt",
        evaluation={"examples": [{"file": "example_0.jpg", "source": "a.jpg", "ground_truth": 1, "predicted": 1,
                                  "matched": 1}]})
    storage.save_replace(f"training/{session.pk}/evaluation/example_0.jpg", jpeg_bytes(seed=9))
    EpochMetric.objects.create(session=session, epoch=1, metrics={"train/box_loss": 1.0})

    pages = {
        "/": "#datasets, main", "/training/": "main", f"/training/{session.pk}/": "main",
        f"/training/{session.pk}/evaluation/": "main", "/workspaces/": "#new-workspace",
        f"/workspaces/{ws.pk}/": "#invite", "/accounts/tokens/": "main", f"/accounts/invite/{key}/": "#accept",
        "/api/docs/": ".swagger-ui .info",
    }
    for path, selector in pages.items():
        page.goto(f"{page.base}{path}")
        page.wait_for_selector(selector)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__cspViolations") == [], path
    # The team page's own script ran: it lists the members.
    page.goto(f"{page.base}/workspaces/{ws.pk}/")
    page.wait_for_selector("#members tr")
    # Swagger UI rendered the schema from our own files (no CDN): the operations are listed.
    page.goto(f"{page.base}/api/docs/")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 20

    # Pages for people not logged in: log-in, sign-up, an invitation link.
    anon = chromium_context_factory(bypass_csp=False).new_page()
    watch(anon)
    for path, selector in {"/accounts/login/": "form", "/accounts/signup/": "form",
                           f"/accounts/invite/{key}/": "#invite-signup"}.items():
        anon.goto(f"{page.base}{path}")
        anon.wait_for_selector(selector)
        anon.wait_for_load_state("networkidle")
        assert anon.evaluate("window.__cspViolations") == [], path
    assert not anon.errors, anon.errors
    assert_policy_sent(anon)
    anon.context.close()

    assert not page.errors, page.errors
    assert_policy_sent(page)
