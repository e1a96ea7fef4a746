"""The framework-free annotation validator: field paths, optional area, crowd regions, hostile input."""
import pytest

from core.errors import InvalidInput
from datasets.instances import MAX_OBJECTS, validate_crowd_regions, validate_instances

COUNTS = {7: 2}


def inst(**changes):
    return {"class": 7, "bbox": [10, 10, 30, 20], "keypoints": [[12, 12, 2], [15, 15, 1]], **changes}


def check(instances):
    return validate_instances(instances, width=100, height=80, keypoint_counts=COUNTS)


def test_area_is_kept_when_given_and_absent_otherwise():
    assert check([inst(area=123.5)])[0]["area"] == 123.5
    assert "area" not in check([inst()])[0] and "area" not in check([inst(area=None)])[0]


@pytest.mark.parametrize("area", [0, -1, 100 * 80 * 2, "12", True, float("nan"), [1]])
def test_a_bad_area_names_the_field(area):
    with pytest.raises(InvalidInput) as exc:
        check([inst(area=area)])
    assert exc.value.field == "instances[0].area"


def test_an_absent_point_is_stored_as_zeros_whatever_its_coordinates():
    assert check([inst(keypoints=[[None, "x", 0], [15, 15, 2.0]])])[0]["keypoints"] == [[0.0, 0.0, 0], [15.0, 15.0, 2]]


@pytest.mark.parametrize("payload,field", [
    ("nope", "instances"),
    ([1], "instances[0]"),
    ([inst(**{"class": True})], "instances[0].class"),
    ([inst(**{"class": [7]})], "instances[0].class"),
    ([inst(bbox=[1, 2, 3])], "instances[0].bbox"),
    ([inst(bbox=[1, 2, 3, 10 ** 400])], "instances[0].bbox"),
    ([inst(keypoints=[[1, 2, 2]])], "instances[0].keypoints"),
    ([inst(keypoints=[[1, 2, 2], [1, 2]])], "instances[0].keypoints[1]"),
    ([inst(keypoints=[[1, 2, 2], [1, 2, 0.5]])], "instances[0].keypoints[1].v"),
    ([inst(keypoints=[[1, 2, 2], [1, 2, None]])], "instances[0].keypoints[1].v"),
    ([inst(keypoints=[[1, 2, 2], [float("nan"), 2, 1]])], "instances[0].keypoints[1]"),
    ([inst(keypoints=[[1, 2, 2], [500, 2, 1]])], "instances[0].keypoints[1]"),
])
def test_wrong_values_name_the_field(payload, field):
    with pytest.raises(InvalidInput) as exc:
        check(payload)
    assert exc.value.field == field


def test_too_many_objects_are_refused():
    with pytest.raises(InvalidInput) as exc:
        check([inst()] * (MAX_OBJECTS + 1))
    assert exc.value.field == "instances"


def test_crowd_regions_are_validated_like_boxes():
    assert validate_crowd_regions([{"class": 7, "bbox": [0, 0, 50, 20], "area": 700, "keypoints": []}],
                                  width=100, height=80, class_ids={7}) == [{"class": 7, "bbox": [0, 0, 50, 20],
                                                                            "area": 700.0}]
    for bad, field in [([{"class": 8, "bbox": [0, 0, 5, 5]}], "crowd[0].class"),
                       ([{"class": 7, "bbox": [0, 0, 500, 5]}], "crowd[0].bbox"), ({}, "crowd")]:
        with pytest.raises(InvalidInput) as exc:
            validate_crowd_regions(bad, width=100, height=80, class_ids={7})
        assert exc.value.field == field
