"""Teams in real Chromium: what an admin and a labeller click, then the stored data through the API.

Pictures are the real COCO photos of tests/data/coco.
"""
from __future__ import annotations

import pytest

from tests.conftest import SAMPLES_DIR, _client_for, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COCO = SAMPLES_DIR / "coco"
PHOTOS = ["000000000785.jpg", "000000040083.jpg", "000000196141.jpg", "000000197388.jpg"]


def login(chromium_context_factory, base: str, username: str):
    """A new browser (own cookies) logged in as `username`; console errors are collected in page.errors."""
    ctx = chromium_context_factory()
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: page.errors.append(f"console: {msg.text}") if msg.type == "error" else None)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "s3cret-pass-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.base = base
    return page


def test_admin_builds_a_team_and_a_new_person_joins_through_the_invite_link(browser_page, api, make_user,
                                                                            chromium_context_factory):
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{page.base}/workspaces/")
    page.fill("#new-workspace input[name=name]", "Gait lab")
    page.click("#new-workspace button[type=submit]")
    page.wait_for_url("**/workspaces/*/")
    ws_id = int(page.url.rstrip("/").split("/")[-1])
    # The shell now shows the team as the current workspace, with alice's role.
    assert page.locator("#ws-select option:checked").inner_text() == "Gait lab"
    assert page.inner_text("#ws-role") == "admin"

    # Rename it.
    page.fill("#rename input[name=name]", "Gait lab 2")
    page.click("#rename button[type=submit]")
    page.wait_for_function("document.getElementById('ws-name').textContent === 'Gait lab 2'")

    # An invite link for a labeller, copied with the button.
    page.select_option("#invite-role", "labeller")
    page.click("#invite button[type=submit]")
    page.wait_for_function("document.getElementById('invite-link').value.includes('/accounts/invite/')")
    link = page.input_value("#invite-link")
    page.click("#invite-copy")
    page.wait_for_function("document.getElementById('invite-copy-status').textContent === 'Copied.'")
    assert page.evaluate("navigator.clipboard.readText()") == link
    # A second link, revoked.
    page.select_option("#invite-role", "viewer")
    page.click("#invite button[type=submit]")
    page.wait_for_function("document.querySelectorAll('#invitations tr').length === 2")
    page.click("#invitations tr[data-state=open] >> nth=0 >> button.revoke")
    page.wait_for_function("document.querySelectorAll('#invitations tr[data-state=revoked]').length === 1")

    # A person with no account opens the link, signs up from it, lands back on it and joins.
    newcomer = chromium_context_factory().new_page()
    newcomer.goto(link)
    assert "Gait lab 2" in newcomer.inner_text("h1")
    newcomer.click("#invite-signup")
    newcomer.fill("input[name=username]", "nina")
    newcomer.fill("input[name=password1]", "a-long-pass-42")
    newcomer.fill("input[name=password2]", "a-long-pass-42")
    newcomer.click("button[type=submit]")
    newcomer.wait_for_url(link)
    newcomer.click("#accept")
    newcomer.wait_for_url(f"**/?workspace={ws_id}")
    assert newcomer.locator("#ws-select option:checked").inner_text() == "Gait lab 2"
    assert newcomer.inner_text("#ws-role") == "labeller"

    # The admin sees her, makes her a trainer, then removes her.
    page.reload()
    row = page.locator("#members tr[data-username=nina]")
    row.locator("select.role-select").select_option("trainer")
    page.wait_for_selector("#members tr[data-username=nina][data-role=trainer]")  # redrawn from the server
    members = {m["username"]: m["role"] for m in api.get(f"/api/v1/workspaces/{ws_id}/members/").json()}
    assert members == {"alice": "admin", "nina": "trainer"}
    page.on("dialog", lambda d: d.accept())
    page.locator("#members tr[data-username=nina] button.remove").click()
    page.wait_for_function("!document.querySelector('#members tr[data-username=nina]')")
    assert [m["username"] for m in api.get(f"/api/v1/workspaces/{ws_id}/members/").json()] == ["alice"]
    states = sorted(i["state"] for i in api.get(f"/api/v1/workspaces/{ws_id}/invitations/").json())
    assert states == ["accepted", "revoked"]
    assert api.get(f"/api/v1/workspaces/{ws_id}/").json()["name"] == "Gait lab 2"
    assert page.errors == []


def test_switcher_filters_the_dataset_list_and_new_datasets_go_to_the_current_workspace(browser_page, api):
    page = browser_page
    api.post("/api/v1/datasets/", {"name": "private set"}, format="json")
    ws = api.post("/api/v1/workspaces/", {"name": "Team"}, format="json").json()
    api.post(f"/api/v1/datasets/?workspace={ws['id']}", {"name": "team set"}, format="json")
    page.goto(f"{page.base}/")
    page.wait_for_function("document.querySelectorAll('#datasets tr').length === 1")
    assert page.inner_text("#datasets") .startswith("private set")
    with page.expect_navigation():
        page.select_option("#ws-select", str(ws["id"]))
    page.wait_for_function("document.querySelectorAll('#datasets tr').length === 1 && "
                           "document.getElementById('datasets').textContent.includes('team set')")
    page.fill("#new-dataset input[name=name]", "made in team")
    page.click("#new-dataset button[type=submit]")
    page.wait_for_url("**/datasets/*/")
    made = api.get(f"/api/v1/datasets/?workspace={ws['id']}").json()["results"]
    assert sorted(d["name"] for d in made) == ["made in team", "team set"]
    assert page.errors == []


def test_admin_splits_images_and_the_labeller_is_led_through_hers_and_seen_as_saver(
        browser_page, api, make_user, chromium_context_factory):
    page = browser_page
    ws = api.post("/api/v1/workspaces/", {"name": "Lab"}, format="json").json()
    other = api.post("/api/v1/workspaces/", {"name": "Archive"}, format="json").json()
    ds = api.post(f"/api/v1/datasets/?workspace={ws['id']}", {"name": "people"}, format="json").json()
    ids = []
    for name in PHOTOS:  # one by one: ids follow this order
        ids += [im["id"] for im in upload(api, ds["id"], [(name, (COCO / name).read_bytes())]).json()["created"]]
    cls = api.post(f"/api/v1/datasets/{ds['id']}/classes/", {"name": "person", "keypoints": [{"name": "nose"}]},
                   format="json").json()
    bob = make_user("bob")
    make_user("tim")
    for name, role in (("bob", "labeller"), ("tim", "labeller")):
        key = api.post(f"/api/v1/workspaces/{ws['id']}/invitations/", {"role": role}, format="json").json()["key"]
        from django.contrib.auth import get_user_model

        _client_for(get_user_model().objects.get(username=name)).post("/api/v1/invitations/accept/", {"key": key},
                                                                       format="json")

    # Alice splits the four open images between bob and tim (both labellers are ticked by default).
    page.goto(f"{page.base}/datasets/{ds['id']}/")
    page.wait_for_function("document.querySelectorAll('#split-members input').length === 3")
    page.click("#split-go")
    page.wait_for_function("document.getElementById('split-status').textContent.startsWith('4 image(s) split')")
    page.wait_for_function("document.querySelector('#people tr[data-username=bob] .assigned')?.textContent === '2'")
    owners = {im["id"]: im["assignee"] for im in api.get(f"/api/v1/datasets/{ds['id']}/images/").json()["results"]}
    assert [owners[i] for i in ids[:2]] == [bob.pk, bob.pk] and owners[ids[2]] != bob.pk

    # Bob: "Start labelling" opens his first image; he labels it; N goes to his second, never to tim's.
    bob_page = login(chromium_context_factory, page.base, "bob")
    bob_page.goto(f"{page.base}/datasets/{ds['id']}/")
    bob_page.wait_for_function("document.getElementById('start-labelling').getAttribute('aria-disabled') === 'false'")
    assert "yours: 0 of 2 labelled" in bob_page.inner_text("#my-progress")
    bob_page.click("#start-labelling")
    bob_page.wait_for_function(f"window.__labelerReady === true && window.__labeler.imageId === {ids[0]}")
    assert bob_page.inner_text("#saved-by") == "Not saved by anyone yet"
    bob_page.wait_for_function("document.getElementById('position').textContent === 'Image 1 of 2'")
    box = bob_page.locator("#stage").bounding_box()
    bob_page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    bob_page.mouse.down()
    bob_page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.7, steps=10)
    bob_page.mouse.up()
    bob_page.wait_for_function("document.getElementById('save-status').dataset.state === 'saved' && "
                               "document.getElementById('saved-by').textContent === 'Saved by you, just now'")
    bob_page.keyboard.press("n")
    bob_page.wait_for_function(f"window.__labelerReady === true && window.__labeler.imageId === {ids[1]}")
    bob_page.keyboard.press("n")  # his last one is unlabelled and current: nothing else is his or open
    bob_page.wait_for_function("document.getElementById('message').textContent.startsWith('Nothing left for you')")
    stored = api.get(f"/api/v1/images/{ids[0]}/annotations/").json()
    assert stored["updated_by"] == "bob" and len(stored["instances"]) == 1
    assert stored["instances"][0]["class"] == cls["id"]
    assert bob_page.errors == []

    # Alice opens bob's image: the labeler names him; the dataset page shows his progress.
    page.goto(f"{page.base}/datasets/{ds['id']}/label/{ids[0]}/")
    page.wait_for_function(f"window.__labelerReady === true && window.__labeler.imageId === {ids[0]}")
    assert page.inner_text("#saved-by") == "Saved by bob, just now"
    page.goto(f"{page.base}/datasets/{ds['id']}/")
    page.wait_for_function("document.querySelector('#people tr[data-username=bob] .labelled')?.textContent === '1'")

    # Alice gives tim's images to nobody, then moves the dataset to the Archive workspace.
    page.select_option("#people tr[data-username=tim] select.reassign", "open")
    page.wait_for_function("document.getElementById('open-images').textContent.startsWith('2 unlabelled images are')")
    page.on("dialog", lambda d: d.accept())
    page.select_option("#move-target", str(other["id"]))
    with page.expect_navigation():
        page.click("#move-go")
    assert api.get(f"/api/v1/datasets/{ds['id']}/").json()["workspace"] == other["id"]
    assert page.locator("#ws-select option:checked").inner_text() == "Archive"
    assert page.errors == []


def test_api_tokens_page_creates_copies_and_revokes(browser_page, api):
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{page.base}/accounts/tokens/")
    page.fill("#new-token input[name=name]", "nightly export")
    page.fill("#new-token input[name=days]", "7")
    page.click("#new-token button[type=submit]")
    page.wait_for_function("document.getElementById('token-value').value.startsWith('pdk_')")
    token = page.input_value("#token-value")
    page.click("#token-copy")
    page.wait_for_function("document.getElementById('token-copy-status').textContent === 'Copied.'")
    assert page.evaluate("navigator.clipboard.readText()") == token
    from rest_framework.test import APIClient

    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert script.get("/api/v1/auth/me/").json()["username"] == "alice"
    page.wait_for_function("[...document.querySelectorAll('#tokens td.name')].some(td => td.textContent === 'nightly export')")
    page.on("dialog", lambda d: d.accept())
    row = page.locator("#tokens tr", has_text="nightly export")
    row.locator("button.revoke").click()
    page.wait_for_function("![...document.querySelectorAll('#tokens td.name')].some(td => td.textContent === 'nightly export')")
    assert script.get("/api/v1/auth/me/").status_code == 401
    assert page.errors == []
