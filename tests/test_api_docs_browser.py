"""`/api/docs/` renders Swagger UI with no internet: its JavaScript, CSS and favicon are our own static files
(drf-spectacular-sidecar), so Chromium with every non-local request blocked still shows the operations."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def test_swagger_ui_renders_the_operations_with_every_outside_request_blocked(live_server,
                                                                                chromium_context_factory):
    ctx = chromium_context_factory()
    blocked, local = [], []

    def offline(route):
        url = route.request.url
        if urlsplit(url).hostname in LOCAL_HOSTS:
            local.append(url)
            route.continue_()
        else:  # what a machine without internet answers: nothing
            blocked.append(url)
            route.abort("internetdisconnected")

    ctx.route("**/*", offline)
    page = ctx.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(f"{live_server.url}/api/docs/")
    assert response.status == 200
    page.wait_for_selector(".opblock .opblock-summary-path", timeout=30000)

    paths = page.locator(".opblock .opblock-summary-path").all_inner_texts()
    assert len(paths) > 20 and any(p.rstrip("\u200b").startswith("/api/v1/datasets/") for p in paths)
    assert page.locator(".info .title").inner_text().startswith("Posedeck API")
    # Expanding an operation works too (Swagger UI's own JavaScript, not just the first paint).
    page.locator(".opblock-summary").first.click()
    page.wait_for_selector(".opblock.is-open .opblock-body")

    assert blocked == [], f"the docs page asked the internet for {blocked}"
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in u for u in local)
    assert any(u.endswith("/api/schema/") for u in local)
    assert errors == []
    ctx.close()
