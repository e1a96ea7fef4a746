"""The review queue (least sure first, assignments respected) and accepting or rejecting suggestions over HTTP."""
from __future__ import annotations

from .conftest import jpeg_bytes, upload


def _suggest(image_id: int, class_id: int, scores: list[float], *, flip_spread: float | None = None):
    """Store one suggestion per score (instance score; its one keypoint 0.05 higher) on an image."""
    from autolabel.services import suggestions_store
    from datasets.models import Image

    source = {"deployment": 1, "version": 1, "name": "m"}
    if flip_spread is not None:
        source["flip_spread"] = flip_spread
    return suggestions_store(image=Image.objects.get(pk=image_id), source=source, suggestions=[
        {"class": class_id, "bbox": [2, 2, 20, 20], "keypoints": [[5, 5, 2]], "score": s,
         "keypoint_scores": [round(s + 0.05, 4)]} for s in scores])


def _images(client, ds: int, n: int, seed: int = 300) -> list[int]:
    r = upload(client, ds, [(f"r{i:02d}.jpg", jpeg_bytes(seed=seed + 67 * i)) for i in range(n)])
    created = r.json()["created"]
    assert len(created) == n, r.json()
    return [im["id"] for im in created]


def _class(client, ds: int) -> int:
    return client.post(f"/api/v1/datasets/{ds}/classes/", {"name": "pt", "keypoints": [{"name": "a"}]},
                       format="json").json()["id"]


def test_the_queue_puts_the_least_sure_first_ties_by_flip_spread(api, dataset):
    ds = dataset["id"]
    ids = _images(api, ds, 5)
    cls = _class(api, ds)
    _suggest(ids[0], cls, [0.9, 0.7])  # lowest 0.7
    _suggest(ids[1], cls, [0.3])
    _suggest(ids[2], cls, [0.7], flip_spread=4.0)  # ties with ids[0]; the engine disagreed with itself: first
    _suggest(ids[3], cls, [0.95])
    # ids[4] has no suggestions: nothing to review
    body = api.get(f"/api/v1/datasets/{ds}/review/").json()
    assert [r["image"] for r in body["results"]] == [ids[1], ids[2], ids[0], ids[3]]
    assert body["count"] == 4 and body["results"][0]["score"] == 0.3 and body["results"][1]["flip_spread"] == 4.0
    assert body["results"][0]["labelled"] is False and body["results"][2]["suggestions"] == 2

    nxt = api.get(f"/api/v1/datasets/{ds}/review/next/").json()
    assert nxt == {"image": ids[1], "remaining": 4}
    assert api.get(f"/api/v1/datasets/{ds}/review/next/?after={ids[2]}").json()["image"] == ids[0]
    assert api.get(f"/api/v1/datasets/{ds}/review/next/?after={ids[3]}").json()["image"] == ids[1]  # wraps
    bad = api.get(f"/api/v1/datasets/{ds}/review/next/?after=x")
    assert bad.status_code == 400 and bad.json()["field"] == "after"

    # Accepting the suggestions of the head takes it out of the queue; the next is the following one.
    ann = api.get(f"/api/v1/images/{ids[1]}/annotations/").json()
    r = api.post(f"/api/v1/images/{ids[1]}/suggestions/accept/", {"version": ann["version"]}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["suggestions"] == [] and r.json()["instances"][0]["origin"]["suggestion"] is True
    assert api.get(f"/api/v1/datasets/{ds}/review/next/?after={ids[1]}").json() == {"image": ids[2], "remaining": 3}
    progress = api.get(f"/api/v1/datasets/{ds}/progress/").json()
    assert progress["labelled"] == 1  # only the accepted image counts; suggestions are not labels

    # Rejecting one of two keeps the image in the queue at its remaining suggestion's score.
    ann = api.get(f"/api/v1/images/{ids[0]}/annotations/").json()
    low = min(ann["suggestions"], key=lambda s: s["score"])["id"]
    r = api.post(f"/api/v1/images/{ids[0]}/suggestions/reject/", {"version": ann["version"], "ids": [low]},
                 format="json")
    assert r.status_code == 200 and len(r.json()["suggestions"]) == 1 and r.json()["instances"] == []
    order = [x["image"] for x in api.get(f"/api/v1/datasets/{ds}/review/").json()["results"]]
    assert order == [ids[2], ids[0], ids[3]]


def test_stale_or_wrong_decisions_answer_4xx_and_change_nothing(api, dataset):
    ds = dataset["id"]
    [image] = _images(api, ds, 1, seed=400)
    _suggest(image, _class(api, ds), [0.5])
    ann = api.get(f"/api/v1/images/{image}/annotations/").json()
    url = f"/api/v1/images/{image}/suggestions/accept/"
    stale = api.post(url, {"version": ann["version"] - 1}, format="json")
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    unknown = api.post(url, {"version": ann["version"], "ids": ["nope"]}, format="json")
    assert unknown.status_code == 400 and unknown.json()["field"] == "ids"
    missing = api.post(url, {}, format="json")
    assert missing.status_code == 400 and "version" in missing.content.decode()
    assert api.get(f"/api/v1/images/{image}/annotations/").json() == ann


def test_a_labeller_reviews_their_own_images_then_open_ones_never_others(team):
    c, ds = team["c"], team["dataset"]["id"]
    ids = _images(c["alice"], ds, 4, seed=500)
    assert len(ids) == 4, ids
    cls = team["class"]["id"]
    members = c["alice"].get(f"/api/v1/workspaces/{team['ws']['id']}/members/").json()
    uid = {m["username"]: m["user"] for m in members}
    from datasets.models import Image

    Image.objects.filter(pk=ids[0]).update(assignee_id=uid["tina"])
    Image.objects.filter(pk=ids[1]).update(assignee_id=uid["bob"])
    for image, score in zip(ids, (0.1, 0.6, 0.4, 0.2)):
        _suggest(image, cls, [score])
    bob = c["bob"]
    queue = [r["image"] for r in bob.get(f"/api/v1/datasets/{ds}/review/").json()["results"]]
    assert queue == [ids[3], ids[2], ids[1]]  # tina's (the least sure of all) is not his
    assert bob.get(f"/api/v1/datasets/{ds}/review/next/").json() == {"image": ids[1], "remaining": 3}  # his own first
    assert bob.get(f"/api/v1/datasets/{ds}/review/next/?after={ids[1]}").json()["image"] == ids[3]
    everything = [r["image"] for r in c["alice"].get(f"/api/v1/datasets/{ds}/review/").json()["results"]]
    assert everything == [ids[0], ids[3], ids[2], ids[1]]
    # A viewer may look at the queue but not decide.
    ann = c["carol"].get(f"/api/v1/images/{ids[2]}/annotations/").json()
    assert c["carol"].post(f"/api/v1/images/{ids[2]}/suggestions/accept/", {"version": ann["version"]},
                           format="json").status_code == 403
    assert team["c"]["mallory"].get(f"/api/v1/datasets/{ds}/review/").status_code == 404


def test_a_moved_dataset_takes_its_jobs_and_drops_the_old_workspaces_model(api, dataset):
    from autolabel.models import AutolabelConfig, AutolabelJob
    from deploy.models import Deployment

    ds = dataset["id"]
    deployment = Deployment.objects.create(workspace_id=dataset["workspace"], name="m", kind="custom")
    AutolabelConfig.objects.create(dataset_id=ds, deployment=deployment, on_upload=True)
    job = AutolabelJob.objects.create(workspace_id=dataset["workspace"], dataset_id=ds, status="done")
    target = api.post("/api/v1/workspaces/", {"name": "Elsewhere"}, format="json").json()["id"]
    r = api.post(f"/api/v1/datasets/{ds}/move/", {"workspace": target}, format="json")
    assert r.status_code == 200, r.content
    assert AutolabelJob.objects.get(pk=job.pk).workspace_id == target
    cfg = api.get(f"/api/v1/datasets/{ds}/autolabel/").json()
    assert (cfg["deployment"], cfg["on_upload"], cfg["deployments"]) == (None, False, [])
