"""Property tests (hypothesis): random and malformed inputs to the COCO reader, the YOLO reader and the
annotation validator give only clean PosedeckErrors; valid generated datasets round-trip.

Bounded: each property runs a fixed number of examples (EXAMPLES) with no example database written,
so the suite stays fast and leaves no files behind.
"""
import io
import json
import math
import os
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import PosedeckError
from datasets.formats.coco import parse_coco
from datasets.formats.coco_writer import iter_coco_json
from datasets.formats.names import export_names, normalize_name, resolve_file_names
from datasets.formats.records import (
    ClassSpec,
    CrowdRecord,
    ImageRecord,
    InstanceRecord,
    default_area,
)
from datasets.formats.skeleton import flip_pairs_report
from datasets.formats.yolo import ZipSink, write_yolo_stream
from datasets.formats.yolo_reader import read_yolo_zip
from datasets.instances import validate_instances

EXAMPLES = int(os.environ.get("POSEDECK_HYPOTHESIS_EXAMPLES", "150"))  # raise it for a deeper run by hand
bounded = settings(max_examples=EXAMPLES, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

leaf = (st.none() | st.booleans() | st.integers(-10 ** 20, 10 ** 20) | st.floats()
        | st.text(max_size=6) | st.sampled_from(["1", "2.0", "NaN", "", " 3 ", "1e3", "-0"]))
anything = st.recursive(leaf, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=5), kids, max_size=4),
                        max_leaves=12)


# ---------------------------------------------------------------- generated valid datasets
@st.composite
def datasets(draw, *, crowd: bool = True):
    k = draw(st.integers(1, 4))
    n_classes = draw(st.integers(1, 2))
    classes = [ClassSpec(name=f"class{c}", keypoints=[f"p{j}" for j in range(k)], source_id=c + 1,
                         flip_pairs=[[0, 1]] if k > 1 and draw(st.booleans()) else [])
               for c in range(n_classes)]
    if len({tuple(map(tuple, c.flip_pairs)) for c in classes}) > 1:
        for c in classes:
            c.flip_pairs = []
    names = draw(st.lists(st.from_regex(r"(cam[12]/)?[a-zA-Z0-9_]{1,6}\.(jpg|png)", fullmatch=True),
                          min_size=1, max_size=5, unique_by=lambda n: n.rsplit(".", 1)[0].casefold()))
    images = []
    for n, name in enumerate(names):
        w, h = draw(st.integers(8, 400)), draw(st.integers(8, 400))
        rec = ImageRecord(file_name=name, width=w, height=h, source_id=n + 1, split=draw(st.sampled_from(["train", "val"])))
        for _ in range(draw(st.integers(0, 3))):
            x, y = draw(st.integers(0, w - 4)), draw(st.integers(0, h - 4))
            bw, bh = draw(st.integers(2, w - x)), draw(st.integers(2, h - y))
            kps = [[float(draw(st.integers(x, x + bw))), float(draw(st.integers(y, y + bh))), v]
                   for v in draw(st.lists(st.sampled_from([0, 1, 2]), min_size=k, max_size=k))]
            kps = [kp if kp[2] else [0.0, 0.0, 0] for kp in kps]
            area = draw(st.none() | st.integers(1, bw * bh).map(float))
            rec.instances.append(InstanceRecord(draw(st.integers(0, n_classes - 1)), [float(x), float(y), float(bw), float(bh)],
                                                kps, area=area))
        if crowd and draw(st.booleans()):
            rec.crowd.append(CrowdRecord(0, [0.0, 0.0, float(w // 2), float(h // 2)], area=float(draw(st.integers(1, 50)))))
        images.append(rec)
    return classes, images


def coco_paths(value, prefix=()):
    """Every path into a COCO dict: where a mutation can land."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from coco_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from coco_paths(item, (*prefix, i))


def replace(data, path, value):
    if not path:
        return value
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


# ---------------------------------------------------------------- COCO
@bounded
@given(anything)
def test_coco_reader_on_random_json_raises_only_clean_errors(data):
    try:
        parse_coco(data)
    except PosedeckError:
        pass


@bounded
@given(datasets(), st.data())
def test_coco_reader_on_a_valid_file_with_one_value_broken_raises_only_clean_errors(generated, data):
    classes, images = generated
    coco = json.loads("".join(iter_coco_json(classes, images)))
    path = data.draw(st.sampled_from(list(coco_paths(coco))))
    broken = replace(coco, path, data.draw(anything))
    try:
        parse_coco(broken)
    except PosedeckError as exc:
        assert exc.status == 400 and exc.field


@bounded
@given(datasets())
def test_coco_write_then_read_gives_the_same_instances(generated):
    classes, images = generated
    back = parse_coco(json.loads("".join(iter_coco_json(classes, images))))
    assert [c.keypoints for c in back.classes] == [c.keypoints for c in classes]
    for rec, again in zip(images, back.images, strict=True):
        assert (again.file_name, again.width, again.height, again.source_id) == (rec.file_name, rec.width, rec.height,
                                                                                 rec.source_id)
        assert [(i.class_index, i.bbox, i.keypoints) for i in again.instances] == \
            [(i.class_index, i.bbox, i.keypoints) for i in rec.instances]
        for a, b in zip(again.instances, rec.instances):
            assert math.isclose(a.area, b.area if b.area is not None else default_area(b.bbox), abs_tol=0.01)
        assert [(c.bbox, c.area) for c in again.crowd] == [(c.bbox, c.area) for c in rec.crowd]


# ---------------------------------------------------------------- YOLO
DATA = "kpt_shape: [2, 3]\nnames: [a, b]\nkpt_names: {0: [p, q], 1: [p, q]}\ntrain: images/train\nval: images/train\n"
label_text = st.lists(st.lists(st.sampled_from(["0", "1", "2", "0.5", "1.5", "-1", "nan", "x", "1e309", "0.0", "3", ""])
                               | st.text(max_size=5), max_size=13).map(" ".join), max_size=4).map("\n".join)


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    buf.seek(0)
    return buf


@bounded
@given(label_text)
def test_yolo_reader_on_random_labels_raises_only_clean_errors(text):
    try:
        read_yolo_zip(zipped({"data.yaml": DATA, "images/train/a.jpg": b"x", "labels/train/a.txt": text}),
                      image_size=lambda p: (64, 48))
    except PosedeckError as exc:
        assert exc.field.startswith("labels/train/a.txt:")


@bounded
@given(st.text(max_size=200) | anything.map(lambda v: json.dumps(v, default=str)))
def test_yolo_reader_on_random_data_yaml_raises_only_clean_errors(text):
    try:
        read_yolo_zip(zipped({"data.yaml": "kpt_shape: [2, 3]\n" + text, "images/a.jpg": b"x"}),
                      image_size=lambda p: (64, 48))
    except PosedeckError:
        pass


@bounded
@given(datasets(crowd=False))
def test_yolo_write_then_read_gives_the_same_instances(generated):
    classes, images = generated
    if not any(r.split == "train" for r in images) or not any(r.split == "val" for r in images):
        images[0].split = "train"
        images.append(ImageRecord(file_name="zz_val.png", width=20, height=20, split="val"))
    buf = io.BytesIO()
    write_yolo_stream(ZipSink(buf), classes, images, lambda r: b"x")
    sizes = {f"images/{r.split}/{r.file_name}": (r.width, r.height) for r in images}
    back = read_yolo_zip(buf, image_size=sizes.__getitem__)
    assert [c.flip_pairs for c in back.classes] == [c.flip_pairs or [] for c in classes]
    got = {(r.split, r.file_name): r for r in back.images}
    assert len(got) == len(images)
    for rec in images:
        again = got[(rec.split, rec.file_name)]
        assert len(again.instances) == len(rec.instances)
        for a, b in zip(again.instances, rec.instances):
            assert a.class_index == b.class_index
            assert all(math.isclose(u, v, abs_tol=1e-3) for u, v in zip(a.bbox, b.bbox))
            assert [kp[2] for kp in a.keypoints] == [kp[2] for kp in b.keypoints]
            assert all(math.isclose(u, v, abs_tol=1e-3) for p, q in zip(a.keypoints, b.keypoints) for u, v in zip(p, q))


# ---------------------------------------------------------------- validator, names, flip pairs
instance_like = st.fixed_dictionaries({"class": st.sampled_from([7, 8, "7", True, None]), "bbox": anything
                                       | st.lists(st.floats() | st.integers(-5, 120), min_size=4, max_size=4),
                                       "keypoints": anything | st.lists(st.lists(leaf, min_size=3, max_size=3),
                                                                        min_size=2, max_size=2)},
                                      optional={"area": anything})


@bounded
@given(anything | st.lists(instance_like, max_size=3))
def test_validator_on_random_input_raises_only_clean_errors(payload):
    try:
        clean = validate_instances(payload, width=100, height=80, keypoint_counts={7: 2})
    except PosedeckError as exc:
        assert exc.status == 400 and exc.field
    else:
        for inst in clean:
            assert all(isinstance(v, float) and math.isfinite(v) for v in inst["bbox"])
            assert all(kp[2] in (0, 1, 2) for kp in inst["keypoints"])


names = st.lists(st.from_regex(r"([aA]/|[bB]\.jpg/)?[aAbB_]{1,3}(\.(jpg|JPG|png|txt))?", fullmatch=True), max_size=8)


@bounded
@given(names, st.randoms())
def test_export_names_never_collide_and_do_not_depend_on_order(raw, rnd):
    out = export_names(raw)
    stems = [n.rsplit(".", 1)[0].casefold() if "." in n.rpartition("/")[2] else n.casefold() for n in out]
    assert len(set(stems)) == len(out)
    folders = {"/".join(n.split("/")[:i]).casefold() for n in out for i in range(1, n.count("/") + 1)}
    assert not any(n.casefold() in folders or s + ".txt" in folders for n, s in zip(out, stems))
    order = list(range(len(raw)))
    rnd.shuffle(order)
    again = export_names([raw[i] for i in order])
    if len({normalize_name(n) for n in raw}) == len(raw):
        assert again == [out[i] for i in order]
    else:  # identical names are told apart in the order given
        assert sorted(again) == sorted(out)


@bounded
@given(names, names)
def test_resolution_picks_distinct_available_files_or_raises_cleanly(wanted, available):
    try:
        got = resolve_file_names(wanted, available)
    except PosedeckError as exc:
        assert exc.field == "images"
    else:
        found = [g for g in got if g is not None]
        assert len(found) == len(set(found)) and set(found) <= set(available)


@bounded
@given(st.lists(st.text(max_size=12) | st.from_regex(r"(left|right|l|r|L|R|Left|Right)[_A-Z]?[a-z]{0,4}", fullmatch=True),
                max_size=8))
def test_flip_pairs_are_disjoint_pairs_of_distinct_points(names):
    report = flip_pairs_report(names)
    used = [i for pair in report.pairs for i in pair]
    assert len(used) == len(set(used)) and all(0 <= i < j < len(names) for i, j in report.pairs)
    assert not set(report.unpaired) & set(used)
