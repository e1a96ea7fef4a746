"""Skeleton classes and one image's annotations: validation, optimistic locking, template edits."""
import pytest

from datasets.models import Annotation, Image

from .conftest import jpeg_bytes, upload

FIVE = [{"name": n} for n in ("nose", "left_eye", "right_eye", "left_hand", "right_hand")]


@pytest.fixture
def cls(api, dataset):
    r = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {
        "name": "person", "color": "#112233", "keypoints": FIVE,
        "connections": [{"a": 0, "b": 1, "color": "#ff0000"}, {"a": 0, "b": 2}]}, format="json")
    assert r.status_code == 201, r.json()
    return r.json()


@pytest.fixture
def image(api, dataset):
    return upload(api, dataset["id"], [("a.jpg", jpeg_bytes(200, 100, seed=1))]).json()["created"][0]


def inst(cls_id, n=5, bbox=(10, 10, 50, 50), v=2):
    return {"class": cls_id, "bbox": list(bbox), "keypoints": [[20 + i, 20 + i, v] for i in range(n)]}


def put(api, image_id, version, instances, **extra):
    return api.put(f"/api/v1/images/{image_id}/annotations/",
                   {"version": version, "instances": instances, **extra}, format="json")


def test_class_gets_flip_pairs_from_names_and_defaults(cls):
    assert cls["flip_pairs"] == [[1, 2], [3, 4]]
    assert cls["keypoints"][0] == {"name": "nose", "color": "#ff0000", "x": 0.5, "y": 0.5}
    assert cls["connections"][1]["color"] == "#00ff00"


def test_explicit_flip_pairs_and_sigmas_are_kept(api, dataset):
    r = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {
        "name": "bird", "keypoints": [{"name": "a"}, {"name": "b"}], "flip_pairs": [[0, 1]],
        "sigmas": [0.05, 0.07]}, format="json")
    assert r.status_code == 201 and r.json()["flip_pairs"] == [[0, 1]] and r.json()["sigmas"] == [0.05, 0.07]


@pytest.mark.parametrize("payload,field", [
    ({"name": "x", "connections": [{"a": 0, "b": 9}], "keypoints": [{"name": "a"}, {"name": "b"}]}, "connections[0]"),
    ({"name": "x", "keypoints": [{"name": "a"}, {"name": "a"}]}, "keypoints"),
    ({"name": "x", "color": "red"}, "color"),
    ({"name": "x", "keypoints": [{"name": "a"}], "sigmas": [0.1, 0.2]}, "sigmas"),
    ({"name": "x", "keypoints": [{"name": "a"}, {"name": "b"}], "flip_pairs": [[0, 0]]}, "flip_pairs[0]"),
    ({"name": "person"}, "name"),
])
def test_bad_class_answers_400_naming_the_field(api, dataset, cls, payload, field):
    r = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", payload, format="json")
    assert r.status_code == 400
    assert r.json()["field"] == field


def test_read_write_annotations_with_versions(api, cls, image):
    r = api.get(f"/api/v1/images/{image['id']}/annotations/")
    assert r.json() == {"image": image["id"], "version": 0, "no_objects": False, "instances": [], "updated_at": None,
                        "updated_by": None, "crowd": [], "suggestions": [], "suggested_by": None}
    r = put(api, image["id"], 0, [inst(cls["id"]), inst(cls["id"], bbox=(100, 20, 60, 70), v=1)])
    assert r.status_code == 200, r.json()
    assert r.json()["version"] == 1
    got = api.get(f"/api/v1/images/{image['id']}/annotations/").json()
    assert got["instances"][1] == {"class": cls["id"], "bbox": [100.0, 20.0, 60.0, 70.0],
                                   "keypoints": [[20.0 + i, 20.0 + i, 1] for i in range(5)]}
    listed = api.get(f"/api/v1/datasets/{image['dataset']}/images/").json()["results"][0]
    assert listed["labelled"] is True and listed["instance_count"] == 2


def test_every_save_stamps_its_own_time(api, cls, image):
    """The labeler shows "saved by X, N min ago" from updated_at: each save, not only the first, sets it."""
    from datetime import datetime

    stamps = []
    for version in range(3):
        r = put(api, image["id"], version, [inst(cls["id"])] * (version + 1))
        assert r.status_code == 200, r.json()
        stamps.append(datetime.fromisoformat(r.json()["updated_at"].replace("Z", "+00:00")))
    assert stamps[0] < stamps[1] < stamps[2]
    got = api.get(f"/api/v1/images/{image['id']}/annotations/").json()
    assert datetime.fromisoformat(got["updated_at"].replace("Z", "+00:00")) == stamps[2]


def test_absent_points_are_stored_as_zeros(api, cls, image):
    data = inst(cls["id"])
    data["keypoints"][4] = [33, 44, 0]
    put(api, image["id"], 0, [data])
    assert Annotation.objects.get().instances[0]["keypoints"][4] == [0.0, 0.0, 0]


def test_stale_version_answers_409_and_keeps_data(api, cls, image):
    assert put(api, image["id"], 0, [inst(cls["id"])]).status_code == 200
    r = put(api, image["id"], 0, [])
    assert r.status_code == 409
    assert r.json()["error"] == "version_conflict" and r.json()["current_version"] == 1
    ann = Annotation.objects.get()
    assert ann.version == 1 and len(ann.instances) == 1


@pytest.mark.parametrize("mutate,field", [
    (lambda i: i["keypoints"].pop(), "instances[0].keypoints"),
    (lambda i: i["keypoints"][2].__setitem__(2, 3), "instances[0].keypoints[2].v"),
    (lambda i: i["keypoints"][2].__setitem__(2, True), "instances[0].keypoints[2].v"),
    (lambda i: i.__setitem__("bbox", [150, 10, 100, 20]), "instances[0].bbox"),
    (lambda i: i.__setitem__("bbox", [10, 10, -5, 20]), "instances[0].bbox"),
    (lambda i: i.__setitem__("bbox", [10, 10]), "instances[0].bbox"),
    (lambda i: i.__setitem__("class", 999999), "instances[0].class"),
    (lambda i: i["keypoints"][0].__setitem__(0, 5000), "instances[0].keypoints[0]"),
    (lambda i: i["keypoints"][0].__setitem__(0, "x"), "instances[0].keypoints[0]"),
])
def test_bad_instance_answers_400_naming_the_field_and_changes_nothing(api, cls, image, mutate, field):
    put(api, image["id"], 0, [inst(cls["id"])])
    bad = inst(cls["id"])
    mutate(bad)
    r = put(api, image["id"], 1, [bad])
    assert r.status_code == 400, r.json()
    assert r.json()["field"] == field
    ann = Annotation.objects.get()
    assert ann.version == 1 and ann.instances[0]["keypoints"][0] == [20.0, 20.0, 2]


def test_class_of_another_dataset_is_unknown(api, cls, image):
    other = api.post("/api/v1/datasets/", {"name": "other"}, format="json").json()
    foreign = api.post(f"/api/v1/datasets/{other['id']}/classes/", {"name": "p", "keypoints": FIVE}, format="json").json()
    r = put(api, image["id"], 0, [inst(foreign["id"])])
    assert r.status_code == 400 and r.json()["field"] == "instances[0].class"


def test_missing_version_answers_400(api, cls, image):
    r = api.put(f"/api/v1/images/{image['id']}/annotations/", {"instances": []}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "version"


def test_no_objects_counts_as_labelled(api, dataset, cls, image):
    r = put(api, image["id"], 0, [], no_objects=True)
    assert r.status_code == 200
    assert api.get(f"/api/v1/datasets/{dataset['id']}/progress/").json()["text"] == "1 of 1 labelled"
    r = put(api, image["id"], 1, [inst(cls["id"])], no_objects=True)
    assert r.status_code == 400 and r.json()["field"] == "no_objects"


def test_progress_and_labelled_filter(api, dataset, cls):
    ids = [c["id"] for c in upload(api, dataset["id"], [(f"{i}.jpg", jpeg_bytes(seed=i)) for i in range(3)]).json()["created"]]
    put(api, ids[1], 0, [inst(cls["id"], bbox=(1, 1, 30, 30))])
    p = api.get(f"/api/v1/datasets/{dataset['id']}/progress/").json()
    assert {k: p[k] for k in ("total", "labelled", "unlabelled", "text", "next_unlabelled", "recommended_labelled",
                              "open_unlabelled", "for_you", "mine")} == {
        "total": 3, "labelled": 1, "unlabelled": 2, "text": "1 of 3 labelled", "next_unlabelled": ids[0],
        "recommended_labelled": 250, "open_unlabelled": 2, "for_you": 2,
        "mine": {"assigned": 0, "labelled": 0, "unlabelled": 0}}
    unl = api.get(f"/api/v1/datasets/{dataset['id']}/images/?labelled=false").json()
    assert [i["id"] for i in unl["results"]] == [ids[0], ids[2]]
    assert api.get(f"/api/v1/datasets/{dataset['id']}/images/?labelled=maybe").json()["field"] == "labelled"
    nb = api.get(f"/api/v1/images/{ids[1]}/").json()["neighbours"]
    assert nb == {"previous": ids[0], "next": ids[2], "next_unlabelled": ids[2], "position": 2, "of": 3}


def test_adding_a_keypoint_keeps_labels_valid(api, cls, image):
    put(api, image["id"], 0, [inst(cls["id"])])
    kps = [{**k, "source_index": i} for i, k in enumerate(cls["keypoints"])] + [{"name": "tail", "source_index": None}]
    r = api.patch(f"/api/v1/classes/{cls['id']}/", {"keypoints": kps}, format="json")
    assert r.status_code == 200, r.json()
    ann = Annotation.objects.get()
    assert ann.version == 2
    assert len(ann.instances[0]["keypoints"]) == 6 and ann.instances[0]["keypoints"][5] == [0, 0, 0]
    # The stored label is still a valid write for the new template.
    assert put(api, image["id"], 2, ann.instances).status_code == 200


def test_removing_and_reordering_keypoints_remaps_labels_and_connections(api, cls, image):
    put(api, image["id"], 0, [inst(cls["id"])])
    old = cls["keypoints"]
    new = [{**old[2], "source_index": 2}, {**old[0], "source_index": 0}]  # drop 1, 3, 4
    r = api.patch(f"/api/v1/classes/{cls['id']}/", {"keypoints": new}, format="json")
    assert r.status_code == 200
    assert r.json()["connections"] == [{"a": 1, "b": 0, "color": "#00ff00"}]
    assert Annotation.objects.get().instances[0]["keypoints"] == [[22.0, 22.0, 2], [20.0, 20.0, 2]]


def test_deleting_a_class_with_labels_needs_force(api, dataset, cls, image):
    put(api, image["id"], 0, [inst(cls["id"])])
    r = api.delete(f"/api/v1/classes/{cls['id']}/")
    assert r.status_code == 409 and r.json()["error"] == "class_in_use"
    assert api.delete(f"/api/v1/classes/{cls['id']}/?force=true").status_code == 204
    assert Annotation.objects.get().instances == []
    assert Image.objects.get().labelled is False
