"""The dataset page, the template editor and the labeler work under a strict Content-Security-Policy
(`script-src 'self'; style-src 'self'`: no inline scripts, no style attributes): Chromium reports every blocked
script or style as a console error, which fails the test (conftest.browser_page)."""
from __future__ import annotations

import json
import time

import pytest

from tests.conftest import SAMPLES_DIR, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CSP = "script-src 'self'; style-src 'self'"
COCO = SAMPLES_DIR / "coco"


def with_csp(page):
    def add_header(route):
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    page.route("**/*", add_header)
    page.add_init_script("window.__cspViolations = [];"
                         "document.addEventListener('securitypolicyviolation', (e) => "
                         "window.__cspViolations.push(e.violatedDirective + ' ' + (e.sample || e.blockedURI)));")


def wait_true(page, expression, timeout=30.0):
    """Poll an expression (page.wait_for_function evaluates its predicate with eval(), which the policy forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout}s: {expression}"
        page.wait_for_timeout(50)


def violations(page):
    return page.evaluate("window.__cspViolations")


def test_pages_run_under_a_strict_content_security_policy(browser_page, api, dataset):
    page = browser_page
    with_csp(page)
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
