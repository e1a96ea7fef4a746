"""Mapping a model's keypoints onto a dataset's template, and suggestions accepted or rejected through the one
annotation writer."""
from __future__ import annotations

import json

import pytest

from autolabel.mapping import ClassTemplate, check_mapping, map_classes, map_keypoints, suggest
from datasets.formats.skeleton import COCO_KEYPOINT_NAMES
from deploy.engines.types import Instance, Keypoint

from .conftest import REPO, jpeg_bytes, upload

GOLIATH = json.loads((REPO / "deploy/engines/sapiens2/data/goliath_keypoints.json").read_text())["keypoints"]


def test_the_308_sapiens2_names_map_onto_the_coco_17_template():
    mapping = map_keypoints(GOLIATH, COCO_KEYPOINT_NAMES)
    assert mapping == COCO_KEYPOINT_NAMES  # each COCO point takes the Goliath point of its name
    assert len(GOLIATH) == 308 and len(set(mapping)) == 17
    # Spelled another way, the same points are found.
    styled = ["Nose", "LEye", "REye", "left ear", "right-ear", "L_Shoulder", "R_Shoulder", "leftelbow", "rightelbow",
              "LeftWrist", "RightWrist", "hip_left", "hip_right", "LKnee", "RKnee", "ankle_L", "ankle_R"]
    assert map_keypoints(GOLIATH, styled) == COCO_KEYPOINT_NAMES
    # A template point the model does not have stays unmapped (absent in suggestions).
    assert map_keypoints(GOLIATH, ["nose", "tail_tip"]) == ["nose", None]


def test_a_custom_model_of_the_same_skeleton_maps_one_to_one_even_unnamed():
    names = ["snout", "leftear", "rightear", "tailbase"]
    assert map_keypoints(names, names) == names
    assert map_keypoints(["0", "1", "2", "3"], names) == ["0", "1", "2", "3"]
    assert map_keypoints(["0", "1", "2"], names) == [None] * 4  # counts differ: nothing to go by


def test_classes_map_by_name_or_one_to_one():
    person = ClassTemplate(1, "person", tuple(COCO_KEYPOINT_NAMES))
    hand = ClassTemplate(2, "Hand", ("wrist",))
    assert map_classes(["person", "hand", "car"], [person, hand]) == {"person": 1, "hand": 2, "car": None}
    assert map_classes(["object"], [person]) == {"object": 1}
    assert map_classes(["object"], [person, hand]) == {"object": None}


def test_a_persons_mapping_is_checked():
    assert check_mapping(["a", None], ["x", "y"], ["a", "b"]) == ["a", None]
    for bad, message in ((["a"], "one entry"), (["a", "a"], "twice"), (["a", "zz"], "not a keypoint")):
        with pytest.raises(ValueError, match=message):
            check_mapping(bad, ["x", "y"], ["a", "b"])


def test_a_suggestion_keeps_scores_and_low_points_are_absent_but_placed():
    inst = Instance(class_name="person", confidence=0.9, x=10, y=20, width=30, height=40,
                    keypoints=[Keypoint("nose", 15, 25, 0.95), Keypoint("left_eye", 16, 24, 0.1)])
    s = suggest(inst, 7, ["left_eye", None, "nose"], visible_from=0.3)
    assert s == {"class": 7, "bbox": [10, 20, 30, 40], "keypoints": [[16, 24, 0], [0, 0, 0], [15, 25, 2]],
                 "score": 0.9, "keypoint_scores": [0.1, None, 0.95]}


@pytest.fixture
def suggested(api, dataset):
    from autolabel.services import suggestions_store
    from datasets.models import Image

    image = upload(api, dataset["id"], [("a.jpg", jpeg_bytes(96, 64, seed=3))]).json()["created"][0]
    cls = api.post(f"/api/v1/datasets/{dataset['id']}/classes/", {"name": "p", "keypoints": [
        {"name": "a"}, {"name": "b"}]}, format="json").json()
    stored = suggestions_store(image=Image.objects.get(pk=image["id"]), source={"deployment": 5, "version": 2},
                               suggestions=[
                                   {"class": cls["id"], "bbox": [1, 1, 20, 20], "keypoints": [[5, 5, 2], [9, 9, 0]],
                                    "score": 0.8, "keypoint_scores": [0.9, 0.2]},
                                   {"class": cls["id"], "bbox": [40, 10, 20, 20], "keypoints": [[45, 15, 2], [50, 20, 2]],
                                    "score": 0.4, "keypoint_scores": [0.7, 0.6]}])
    return {"image": image, "class": cls, "ann": stored}


def test_suggestions_are_not_labels_and_accepting_records_their_origin(api, dataset, suggested):
    from autolabel.services import suggestions_accept, suggestions_reject
    from datasets.models import Image

    image = Image.objects.get(pk=suggested["image"]["id"])
    got = api.get(f"/api/v1/images/{image.pk}/annotations/").json()
    assert len(got["suggestions"]) == 2 and got["instances"] == [] and got["suggested_by"]["version"] == 2
    assert not image.labelled and suggested["ann"].suggestion_score == 0.2
    first, second = (s["id"] for s in got["suggestions"])
    ann = suggestions_accept(image=image, version=got["version"], ids=[first])
    assert ann.instances == [{"class": suggested["class"]["id"], "bbox": [1.0, 1.0, 20.0, 20.0],
                              "keypoints": [[5.0, 5.0, 2], [0.0, 0.0, 0]],
                              "origin": {"suggestion": True, "edited": False, "deployment": 5, "version": 2}}]
    assert [s["id"] for s in ann.suggestions] == [second] and ann.suggestion_score == 0.4
    image.refresh_from_db()
    assert image.labelled and image.instance_count == 1
    from datasets.annotations import VersionConflict

    with pytest.raises(VersionConflict):
        suggestions_reject(image=image, version=got["version"], ids=[second])  # stale: read before the accept
    ann = suggestions_reject(image=image, version=ann.version, ids=[second])
    assert ann.suggestions == [] and ann.suggestion_score is None and len(ann.instances) == 1


def test_the_labeler_put_takes_suggestions_away_and_cannot_invent_them(api, suggested):
    url = f"/api/v1/images/{suggested['image']['id']}/annotations/"
    got = api.get(url).json()
    keep = got["suggestions"][1]["id"]
    edited = {**{k: got["suggestions"][0][k] for k in ("class", "bbox", "keypoints")}, "bbox": [2, 2, 20, 20],
              "origin": {"suggestion": True, "deployment": 5, "version": 2, "edited": True}}
    r = api.put(url, {"version": got["version"], "instances": [edited], "suggestions": [keep, "made-up"]},
                format="json")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [s["id"] for s in body["suggestions"]] == [keep] and body["instances"][0]["origin"]["edited"] is True
    bad = api.put(url, {"version": body["version"], "instances": [{**edited, "origin": {"suggestion": "yes"}}]},
                  format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "instances[0].origin"


def test_a_labelled_image_gets_no_suggestions(api, dataset, suggested):
    from autolabel.services import suggestions_store
    from datasets.models import Image

    image = Image.objects.get(pk=suggested["image"]["id"])
    url = f"/api/v1/images/{image.pk}/annotations/"
    api.put(url, {"version": api.get(url).json()["version"], "no_objects": True, "instances": []}, format="json")
    assert suggestions_store(image=image, suggestions=[], source={}) is None


def test_a_batch_is_padded_to_one_size_and_suggestions_are_clipped_to_their_picture():
    import numpy as np

    from autolabel.jobs import _clip, _one_shape

    a, b = np.zeros((4, 6, 3), np.uint8), np.ones((5, 3, 3), np.uint8)
    same = [a, a.copy()]
    assert _one_shape(same) is same  # one size already: untouched
    padded = _one_shape([a, b])
    assert [p.shape for p in padded] == [(5, 6, 3), (5, 6, 3)]
    assert (padded[1][:5, :3] == 1).all() and (padded[1][:, 3:] == 114).all() and (padded[0][4] == 114).all()
    s = {"bbox": [-2.0, 1.0, 10.0, 3.0], "keypoints": [[2.0, 2.0, 2], [5.5, 2.0, 2], [2.0, 4.5, 2]]}
    assert _clip(s, 4, 5) == {"bbox": [0.0, 1.0, 4.0, 3.0], "keypoints": [[2.0, 2.0, 2], [4, 2.0, 0], [2.0, 4.5, 2]]}
    assert _clip({"bbox": [4.5, 0.0, 2.0, 2.0], "keypoints": []}, 4, 5) is None  # all in the padding
