"""The COCO reader is total and strict; the COCO writer keeps area, crowd regions and stable ids."""
import copy
import json
import math
import random

import pytest

from core.errors import InvalidInput, PosedeckError
from datasets.formats.coco import parse_coco
from datasets.formats.coco_writer import ANN_ID_STRIDE, iter_coco_json, write_coco
from datasets.formats.records import (
    ClassSpec,
    CrowdRecord,
    FormatError,
    ImageRecord,
    InstanceRecord,
    PoseDataset,
    default_area,
)

from .conftest import SAMPLES_DIR


def small() -> dict:
    """Two images, three annotations (one crowd), one category with 3 keypoints."""
    return {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 80},
                   {"id": 2, "file_name": "cam1/b.jpg", "width": 100, "height": 80}],
        "annotations": [
            {"id": 10, "image_id": 1, "category_id": 1, "bbox": [10, 10, 30, 30], "area": 500, "iscrowd": 0,
             "keypoints": [15, 15, 2, 20, 20, 1, 0, 0, 0], "num_keypoints": 2},
            {"id": 11, "image_id": 2, "category_id": 1, "bbox": [50, 40, 40, 30], "iscrowd": 0,
             "keypoints": [0, 0, 0, 0, 0, 0, 0, 0, 0]},
            {"id": 12, "image_id": 2, "category_id": 1, "bbox": [0, 0, 20, 10], "area": 150, "iscrowd": 1,
             "keypoints": [0] * 9, "segmentation": {"counts": "xyz", "size": [80, 100]}},
        ],
        "categories": [{"id": 1, "name": "thing", "supercategory": "object",
                        "keypoints": ["nose", "left_eye", "right_eye"], "skeleton": [[1, 2], [1, 3]]}],
    }


# ---------------------------------------------------------------- strict reading
JUNK = [None, True, "text", [], {}, [1, [2]], {"a": 1}, float("nan"), float("inf")]


@pytest.mark.parametrize("path,field", [
    (("images", 0, "id"), "images[0].id"),
    (("images", 1, "file_name"), "images[1].file_name"),
    (("images", 1, "width"), "images[1].width"),
    (("images", 0, "height"), "images[0].height"),
    (("annotations", 0, "image_id"), "annotations[0].image_id"),
    (("annotations", 1, "category_id"), "annotations[1].category_id"),
    (("annotations", 0, "bbox"), "annotations[0].bbox"),
    (("annotations", 0, "bbox", 2), "annotations[0].bbox"),
    (("annotations", 0, "keypoints"), "annotations[0].keypoints"),
    (("annotations", 0, "keypoints", 4), "annotations[0].keypoints[1].y"),
    (("annotations", 0, "keypoints", 5), "annotations[0].keypoints[1].v"),
    (("annotations", 0, "area"), "annotations[0].area"),
    (("annotations", 0, "iscrowd"), "annotations[0].iscrowd"),
    (("annotations", 1, "id"), "annotations[1].id"),
    (("categories", 0, "id"), "categories[0].id"),
    (("categories", 0, "name"), "categories[0].name"),
    (("categories", 0, "keypoints", 1), "categories[0].keypoints[1]"),
    (("categories", 0, "skeleton", 0), "categories[0].skeleton[0]"),
])
@pytest.mark.parametrize("junk", JUNK, ids=repr)
def test_a_wrong_value_anywhere_is_a_format_error_pointing_at_it(path, field, junk):
    data = small()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = junk
    expected = ALLOWED.get((field, repr(junk)), field)
    if expected is None:
        parse_coco(data)  # a value that is right here
        return
    with pytest.raises(FormatError) as exc:
        parse_coco(data)
    assert isinstance(exc.value, InvalidInput) and exc.value.status == 400
    assert exc.value.field == expected, exc.value.message


# Values that are right in some places (None = accepted), or whose error shows elsewhere.
ALLOWED = {
    ("images[0].id", "'text'"): "annotations[0].image_id",  # an opaque text id that no annotation uses
    ("categories[0].id", "'text'"): "annotations[0].category_id",
    ("annotations[1].id", "'text'"): None,
    ("categories[0].keypoints[1]", "'text'"): None,  # a keypoint named "text"
    ("categories[0].name", "'text'"): None,
    ("images[1].file_name", "'text'"): None,
    ("annotations[0].keypoints", "None"): None,  # no keypoints: every point absent
    ("annotations[0].keypoints", "[]"): None,
    ("annotations[0].area", "None"): None,
    ("annotations[0].iscrowd", "None"): None,
    ("annotations[0].iscrowd", "True"): None,
}


def test_missing_keys_are_errors_too():
    for section, index, key, field in [("images", 0, "width", "images[0].width"),
                                       ("images", 0, "file_name", "images[0].file_name"),
                                       ("annotations", 0, "bbox", "annotations[0].bbox"),
                                       ("annotations", 0, "image_id", "annotations[0].image_id"),
                                       ("categories", 0, "name", "categories[0].name")]:
        data = small()
        del data[section][index][key]
        with pytest.raises(FormatError) as exc:
            parse_coco(data)
        assert exc.value.field == field


def test_messages_name_the_annotation_and_image():
    data = small()
    data["annotations"][0]["keypoints"][4] = None
    with pytest.raises(FormatError) as exc:
        parse_coco(data)
    assert "annotation 10 (image a.jpg) keypoint 1 y" in exc.value.message


def test_numeric_strings_are_numbers():
    data = small()
    data["images"][0].update(id="1", width="100", height="80.0")
    data["annotations"][0].update(image_id="1", category_id="1", bbox=["10", "10", "30", "30"],
                                  keypoints=["15", "15", "2", "20", "20", "1", "0", "0", "0"], area="500")
    ds = parse_coco(data)
    inst = ds.images[0].instances[0]
    assert ds.images[0].width == 100 and inst.bbox == [10, 10, 30, 30] and inst.area == 500
    assert inst.keypoints == [[15, 15, 2], [20, 20, 1], [0, 0, 0]]


def test_duplicated_ids_and_file_names_are_refused_naming_them():
    data = small()
    data["images"][1]["id"] = 1
    with pytest.raises(FormatError) as exc:
        parse_coco(data)
    assert exc.value.field == "images[1].id" and "image id 1 is used twice" in exc.value.message
    data = small()
    data["images"][1]["file_name"] = "./a.jpg"
    with pytest.raises(FormatError) as exc:
        parse_coco(data)
    assert exc.value.field == "images[1].file_name" and "images 1 and 2 both have file_name 'a.jpg'" in exc.value.message
    data = small()
    data["annotations"][1]["id"] = 10
    with pytest.raises(FormatError) as exc:
        parse_coco(data)
    assert exc.value.field == "annotations[1].id" and "annotation id 10" in exc.value.message


def test_annotations_on_unknown_images_are_refused_naming_them():
    data = small()
    data["annotations"][1]["image_id"] = 7
    data["annotations"][2]["image_id"] = "x9"
    with pytest.raises(FormatError) as exc:
        parse_coco(data)
    assert exc.value.field == "annotations[1].image_id"
    assert "annotation 11 -> image_id 7" in exc.value.message and "annotation 12 -> image_id 'x9'" in exc.value.message
    assert exc.value.as_dict()["image_ids"] == [7, "x9"]


def test_crowd_regions_area_and_people_without_points_are_kept():
    ds = parse_coco(small())
    a, b = ds.images
    assert a.instances[0].area == 500 and a.instances[0].num_keypoints == 2 and a.instances[0].source_id == 10
    assert b.instances[0].area is None and b.instances[0].keypoints == [[0, 0, 0]] * 3
    assert b.crowd == [CrowdRecord(class_index=0, bbox=[0, 0, 20, 10], area=150, source_id=12)]
    assert b.file_name == "cam1/b.jpg" and a.has_annotations and b.has_annotations


def test_a_category_without_keypoints_is_skipped_with_a_warning_naming_its_annotations():
    data = small()
    data["categories"].append({"id": 2, "name": "car"})
    data["annotations"].append({"id": 13, "image_id": 1, "category_id": 2, "bbox": [0, 0, 5, 5]})
    ds = parse_coco(data)
    [warning] = ds.warnings
    assert warning.code == "category_without_keypoints" and "annotation(s) of category 2 'car'" in warning
    assert "13" in warning and len(ds.classes) == 1


def test_skeleton_may_be_zero_based_and_bad_edges_warn():
    data = small()
    data["categories"][0]["skeleton"] = [[0, 1], [0, 2], [0, 7]]
    ds = parse_coco(data)
    assert ds.classes[0].skeleton == [(0, 1), (0, 2)]
    assert ds.warnings[0].code == "skeleton_edge_dropped" and "[0, 7]" in ds.warnings[0]


def test_file_names_are_normalised():
    data = small()
    data["images"][1]["file_name"] = ".\\cam1\\b\u0308.jpg"
    assert parse_coco(data).images[1].file_name == "cam1/b\u0308.jpg"  # no composed form: kept
    data["images"][1]["file_name"] = "cam1/a\u0308.jpg"
    assert parse_coco(data).images[1].file_name == "cam1/\u00e4.jpg"


def test_deeply_nested_junk_and_huge_numbers_are_clean_errors():
    deep = []
    for _ in range(10_000):
        deep = [deep]
    for junk in (deep, 10 ** 400, -(10 ** 400), "9" * 5000):
        data = small()
        data["annotations"][0]["bbox"][0] = junk
        with pytest.raises(PosedeckError):
            parse_coco(data)
    with pytest.raises(FormatError):
        parse_coco([small()])


# ---------------------------------------------------------------- writer
def test_writer_keeps_area_crowd_and_num_keypoints_and_numbers_ids_from_sources():
    ds = parse_coco(small())
    ds.classes[0].source_id = 7
    out = write_coco(ds)
    anns = {a["id"]: a for a in out["annotations"]}
    assert sorted(anns) == [1 * ANN_ID_STRIDE + 1, 2 * ANN_ID_STRIDE + 1, 2 * ANN_ID_STRIDE + 2]
    first = anns[10001]
    assert first["area"] == 500 and first["num_keypoints"] == 2 and first["category_id"] == 7
    assert first["keypoints"] == [15, 15, 2, 20, 20, 1, 0, 0, 0]
    person = anns[20001]
    assert person["area"] == pytest.approx(40 * 30 * 0.53) and person["num_keypoints"] == 0
    crowd = anns[20002]
    assert crowd["iscrowd"] == 1 and crowd["area"] == 150 and crowd["bbox"] == [0, 0, 20, 10]
    assert crowd["segmentation"] == [[0, 0, 20, 0, 20, 10, 0, 10]] and crowd["keypoints"] == [0] * 9
    assert out["categories"][0]["skeleton"] == [[1, 2], [1, 3]]


def test_ids_are_stable_whatever_the_order_of_the_records():
    spec = ClassSpec(name="thing", keypoints=["nose"], source_id=3)
    recs = [ImageRecord(file_name=f"f{n}.jpg", width=10, height=10, source_id=100 + n,
                        instances=[InstanceRecord(0, [1, 1, 2, 2], [[2, 2, 2]])]) for n in range(20)]
    first = write_coco(PoseDataset(classes=[spec], images=recs))
    shuffled = recs[:]
    random.Random(4).shuffle(shuffled)
    second = write_coco(PoseDataset(classes=[spec], images=shuffled))

    def ids(out):
        return sorted((i["file_name"], i["id"]) for i in out["images"]), sorted(a["id"] for a in out["annotations"])

    assert ids(first) == ids(second)
    assert {i["id"] for i in first["images"]} == {100 + n for n in range(20)}


def test_writer_refuses_names_that_collide_and_mixed_ids():
    spec = ClassSpec(name="thing", keypoints=["nose"])
    recs = [ImageRecord(file_name="A.jpg", width=10, height=10, source_id=1),
            ImageRecord(file_name="a.jpg", width=10, height=10, source_id=2)]
    with pytest.raises(FormatError) as exc:
        write_coco(PoseDataset(classes=[spec], images=recs))
    assert "export_names" in exc.value.message
    recs[1].file_name, recs[1].source_id = "b.jpg", None
    with pytest.raises(FormatError):
        write_coco(PoseDataset(classes=[spec], images=recs))


def test_default_area_is_the_box_area_times_0_53():
    assert default_area([0, 0, 10, 20]) == pytest.approx(106.0)


def test_streaming_yields_before_the_records_are_exhausted():
    spec = ClassSpec(name="thing", keypoints=["nose"], source_id=1)
    produced = []

    def records():
        for n in range(5000):
            produced.append(n)
            yield ImageRecord(file_name=f"{n}.jpg", width=50, height=50, source_id=n + 1,
                              instances=[InstanceRecord(0, [1, 1, 10, 10], [[5, 5, 2]], area=40.0)])

    chunks = iter_coco_json([spec], records, chunk_chars=4096)
    first = next(chunks)
    assert first.startswith('{"info"') and len(produced) < 200
    text = first + "".join(chunks)
    out = json.loads(text)
    assert len(out["images"]) == len(out["annotations"]) == 5000
    assert out["annotations"][-1]["id"] == 5000 * ANN_ID_STRIDE + 1


def test_write_then_read_gives_the_same_records():
    ds = parse_coco(json.loads((SAMPLES_DIR / "coco_mini/annotations/person_keypoints_train2017.json").read_text()))
    again = parse_coco(json.loads("".join(iter_coco_json(ds.classes, ds.images))))
    for a, b in zip(ds.images, again.images, strict=True):
        assert (a.file_name, a.width, a.height) == (b.file_name, b.width, b.height)
        assert [(i.bbox, i.keypoints) for i in a.instances] == [(i.bbox, i.keypoints) for i in b.instances]
        assert [i.area for i in a.instances] == pytest.approx([i.area for i in b.instances], abs=0.01)
        assert [(c.bbox, c.area) for c in a.crowd] == [(c.bbox, c.area) for c in b.crowd]


def test_a_copy_of_a_sample_with_float_visibility_reads_as_integers_without_warning():
    data = copy.deepcopy(small())
    data["annotations"][0]["keypoints"] = [15, 15, 2.0, 20, 20, 1.0, math.nan, None, 0.0]
    ds = parse_coco(data)
    assert ds.images[0].instances[0].keypoints == [[15, 15, 2], [20, 20, 1], [0, 0, 0]] and ds.warnings == []
