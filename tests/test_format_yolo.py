"""The YOLO pose writer streams entry by entry; the reader reads Ultralytics layouts strictly."""
import io
import zipfile

import pytest
import yaml

from datasets.formats.records import (
    ClassSpec,
    CrowdRecord,
    FormatError,
    ImageRecord,
    InstanceRecord,
)
from datasets.formats.yolo import (
    FolderSink,
    YoloPoseWriter,
    ZipSink,
    write_yolo_stream,
    yolo_flip_idx,
)
from datasets.formats.yolo_reader import read_yolo_folder, read_yolo_zip

THING = ClassSpec(name="thing", keypoints=["nose", "left_eye", "right_eye"], flip_pairs=[[1, 2]])


def person(x=10, y=10, v=2):
    return InstanceRecord(0, [x, y, 40, 30], [[x + 5, y + 5, v], [x + 10, y + 5, v], [0, 0, 0]])


def sizes(_path):
    return (100, 80)


def make_zip(files: dict) -> io.BytesIO:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    buf.seek(0)
    return buf


DATA = "kpt_shape: [3, 3]\nflip_idx: [0, 2, 1]\nnames: {0: thing}\nkpt_names: {0: [nose, left_eye, right_eye]}\n"


# ---------------------------------------------------------------- writer
class ChunkOnly(io.BytesIO):
    """A picture that may only be read in bounded chunks: proves the writer never reads a whole file."""

    def read(self, size=-1):
        assert 0 < size <= 1 << 20, f"read({size})"
        return super().read(size)


def test_pictures_stream_in_chunks_into_the_zip_and_file_objects_are_closed():
    picture = ChunkOnly(b"\xff\xd8" + b"x" * (3 << 20))
    buf = io.BytesIO()
    recs = [ImageRecord(file_name="cam1/a.jpg", width=100, height=80, instances=[person()])]
    write_yolo_stream(ZipSink(buf), [THING], recs, lambda r: picture)
    assert picture.closed
    zf = zipfile.ZipFile(buf)
    assert zf.getinfo("images/train/cam1/a.jpg").file_size == (3 << 20) + 2
    assert zf.read("labels/train/cam1/a.txt").decode().startswith("0 0.300000 0.312500 0.400000 0.375000")


def test_the_zip_writer_needs_no_seekable_stream():
    class Pipe(io.RawIOBase):
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.data += b
            return len(b)

    pipe = Pipe()
    recs = [ImageRecord(file_name="a.jpg", width=100, height=80, instances=[person()])]
    write_yolo_stream(ZipSink(pipe), [THING], recs, lambda r: b"picture")
    assert zipfile.ZipFile(io.BytesIO(bytes(pipe.data))).read("images/train/a.jpg") == b"picture"


def test_folder_sink_hard_links_pictures_given_as_paths(tmp_path):
    src = tmp_path / "src.jpg"
    src.write_bytes(b"picture")
    recs = [ImageRecord(file_name="a.jpg", width=100, height=80, instances=[person()])]
    write_yolo_stream(FolderSink(tmp_path / "out"), [THING], recs, lambda r: src)
    assert (tmp_path / "out/images/train/a.jpg").stat().st_ino == src.stat().st_ino


def test_names_that_collide_are_refused_rather_than_sharing_a_label():
    recs = [ImageRecord(file_name="frame.jpg", width=100, height=80), ImageRecord(file_name="frame.png", width=100, height=80)]
    sink = ZipSink(io.BytesIO())
    with pytest.raises(FormatError) as exc:
        write_yolo_stream(sink, [THING], recs, lambda r: b"x")
    sink.close()
    assert "export_names" in exc.value.message


@pytest.mark.parametrize("rec,text", [
    (ImageRecord(file_name="a.jpg", width=100, height=80, split="holdout"), "split"),
    (ImageRecord(file_name="scan", width=100, height=80), "suffix"),
    (ImageRecord(file_name="../a.jpg", width=100, height=80), "normalised"),
    (ImageRecord(file_name="a.jpg", width=0, height=80), "width"),
])
def test_bad_records_are_refused(rec, text):
    sink = ZipSink(io.BytesIO())
    with pytest.raises(FormatError) as exc:
        write_yolo_stream(sink, [THING], [rec], lambda r: b"x")
    sink.close()
    assert text in exc.value.message


def test_people_without_points_are_kept_or_dropped_on_request_and_crowd_is_counted():
    rec = ImageRecord(file_name="a.jpg", width=100, height=80, instances=[person(), person(v=0)],
                      crowd=[CrowdRecord(0, [0, 0, 10, 10])])
    buf = io.BytesIO()
    summary = write_yolo_stream(ZipSink(buf), [THING], [rec], lambda r: b"x")
    assert summary.instances == 2 and summary.crowd_left_out == 1
    assert len(zipfile.ZipFile(buf).read("labels/train/a.txt").decode().splitlines()) == 2
    buf = io.BytesIO()
    summary = write_yolo_stream(ZipSink(buf), [THING], [rec], lambda r: b"x", keypointless="drop")
    assert summary.instances == 1 and summary.keypointless_left_out == 1


def test_flip_idx_rules_for_several_classes():
    other = ClassSpec(name="other", keypoints=["a", "b", "c"], flip_pairs=[[1, 2]])
    assert yolo_flip_idx([THING, other]) == ([0, 2, 1], [])
    other.flip_pairs = []
    flip, warnings = yolo_flip_idx([THING, other])
    assert flip is None and warnings[0].code == "flip_off"
    assert yolo_flip_idx([ClassSpec("a", ["x", "y"], symmetric=True)]) == ([0, 1], [])
    assert yolo_flip_idx([ClassSpec("a", ["x", "y"])]) == (None, [])
    with pytest.raises(FormatError) as exc:
        yolo_flip_idx([ClassSpec("a", ["x", "y"], flip_pairs=[[0, 5]])])
    assert exc.value.field == "classes[0].flip_pairs[0]"


def test_data_yaml_carries_sigmas_names_and_a_train_fallback_when_only_val_has_images():
    spec = ClassSpec(name="thing", keypoints=["nose", "tail"], sigmas=[0.05, 0.07])
    buf = io.BytesIO()
    recs = [ImageRecord(file_name="a.jpg", width=100, height=80, split="val",
                        instances=[InstanceRecord(0, [1, 1, 5, 5], [[2, 2, 2], [3, 3, 1]])])]
    summary = write_yolo_stream(ZipSink(buf), [spec], recs, lambda r: b"x")
    text = zipfile.ZipFile(buf).read("data.yaml").decode()
    data = yaml.safe_load(text)
    assert data == {"train": "images/val", "val": "images/val", "kpt_shape": [2, 3], "names": {0: "thing"},
                    "kpt_names": {0: ["nose", "tail"]}, "kpt_oks_sigmas": [0.05, 0.07]}
    assert "no flip_idx" in text and summary.warnings[0].code == "train_uses_val"


# ---------------------------------------------------------------- reader
def test_reader_reads_an_export_back_with_names_splits_and_flip_pairs():
    recs = [ImageRecord(file_name="cam1/a.jpg", width=100, height=80, instances=[person()]),
            ImageRecord(file_name="cam2/a.jpg", width=100, height=80, split="val", instances=[person(30, 20, 1)]),
            ImageRecord(file_name="empty.png", width=100, height=80)]
    buf = io.BytesIO()
    write_yolo_stream(ZipSink(buf), [THING], recs, lambda r: b"x")
    ds = read_yolo_zip(buf, image_size=sizes)
    assert [(c.name, c.keypoints, c.flip_pairs, c.symmetric) for c in ds.classes] == [
        ("thing", ["nose", "left_eye", "right_eye"], [[1, 2]], False)]
    got = {(r.split, r.file_name): r for r in ds.images}
    assert sorted(got) == [("train", "cam1/a.jpg"), ("train", "empty.png"), ("val", "cam2/a.jpg")]
    a = got[("train", "cam1/a.jpg")]
    assert a.source_path == "images/train/cam1/a.jpg" and a.has_annotations
    assert a.instances[0].bbox == pytest.approx([10, 10, 40, 30])
    assert a.instances[0].keypoints == [[15, 15, 2], [20, 15, 2], [0, 0, 0]]
    assert got[("train", "empty.png")].instances == [] and got[("train", "empty.png")].has_annotations


@pytest.mark.parametrize("line,why", [
    ("0 0.5 0.5 0.2", "values"),
    ("0 0.5 0.5 0.2 0.2 0.1 0.1 2 0.2 0.2 x 0 0 0", "value 11"),
    ("3 0.5 0.5 0.2 0.2 0.1 0.1 2 0.2 0.2 2 0 0 0", "class 3"),
    ("0.5 0.5 0.5 0.2 0.2 0.1 0.1 2 0.2 0.2 2 0 0 0", "class 0.5"),
    ("0 1.5 0.5 0.2 0.2 0.1 0.1 2 0.2 0.2 2 0 0 0", "normalised"),
    ("0 0.5 0.5 0 0.2 0.1 0.1 2 0.2 0.2 2 0 0 0", "normalised"),
    ("0 0.5 0.5 0.2 0.2 1.1 0.1 2 0.2 0.2 2 0 0 0", "keypoint 0"),
    ("0 0.5 0.5 0.2 0.2 0.1 0.1 3 0.2 0.2 2 0 0 0", "between 0 and 2"),
    ("0 0.5 0.5 0.2 0.2 0.1 0.1 nan 0.2 0.2 2 0 0 0", "value 8"),
])
def test_a_bad_label_line_names_its_file_and_line(line, why):
    good = "0 0.5 0.5 0.2 0.2 0.1 0.1 2 0.2 0.2 2 0 0 0"
    buf = make_zip({"data.yaml": DATA + "train: images/train\nval: images/train\n", "images/train/a.jpg": b"x",
                    "labels/train/a.txt": f"{good}\n\n{line}\n"})
    with pytest.raises(FormatError) as exc:
        read_yolo_zip(buf, image_size=sizes)
    assert exc.value.field == "labels/train/a.txt:3" and why in exc.value.message


def test_list_files_roboflow_layout_and_a_top_folder():
    buf = make_zip({
        "ds/data.yaml": DATA + "path: /home/someone/ds\ntrain: train.txt\nval: valid/images\n",
        "ds/train.txt": "./pics/a.jpg\n/home/someone/ds/pics/sub/b.jpg\n",
        "ds/pics/a.jpg": b"x", "ds/pics/a.txt": "0 0.5 0.5 0.2 0.2 0 0 0 0 0 0 0 0 0\n",
        "ds/pics/sub/b.jpg": b"x",
        "ds/valid/images/c.jpg": b"x", "ds/valid/labels/c.txt": "0 0.5 0.5 0.2 0.2 0.1 0.1 0.6 0 0 0 0 0 0\n",
        "__MACOSX/ds/._data.yaml": b"junk", "ds/labels/stray.txt": "",
    })
    ds = read_yolo_zip(buf, image_size=sizes)
    got = {r.source_path: (r.split, r.file_name, r.has_annotations, len(r.instances)) for r in ds.images}
    assert got == {"ds/pics/a.jpg": ("train", "pics/a.jpg", True, 1), "ds/pics/sub/b.jpg": ("train", "pics/sub/b.jpg", False, 0),
                   "ds/valid/images/c.jpg": ("val", "c.jpg", True, 1)}
    codes = {w.code for w in ds.warnings}
    assert codes == {"visibility_mapped", "labels_without_picture"}


def test_kpt_shape_with_two_values_and_missing_names():
    buf = make_zip({"data.yaml": "kpt_shape: [2, 2]\nnames: [a]\ntrain: images\nval: images\n",
                    "images/x.jpg": b"x", "labels/x.txt": "0 0.5 0.5 0.2 0.2 0 0 0.25 0.5\n"})
    ds = read_yolo_zip(buf, image_size=sizes)
    assert ds.classes[0].keypoints == ["kp1", "kp2"] and ds.warnings[0].code == "kpt_names_missing"
    assert ds.images[0].instances[0].keypoints == [[0, 0, 0], [25, 40, 2]]


def test_identity_flip_idx_reads_as_symmetric_and_coco_17_gets_coco_names():
    buf = make_zip({"data.yaml": "kpt_shape: [2, 3]\nflip_idx: [0, 1]\nnames: [a]\ntrain: images\nval: images\n"
                    "kpt_names: {0: [p, q]}\n", "images/x.jpg": b"x"})
    assert read_yolo_zip(buf, image_size=sizes).classes[0].symmetric
    flip = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
    buf = make_zip({"data.yaml": f"kpt_shape: [17, 3]\nflip_idx: {flip}\nnames: [person]\ntrain: images\nval: images\n",
                    "images/x.jpg": b"x"})
    ds = read_yolo_zip(buf, image_size=sizes)
    assert ds.classes[0].keypoints[1] == "left_eye" and ds.classes[0].flip_pairs[0] == [1, 2]
    assert ds.warnings[0].code == "kpt_names_guessed"


@pytest.mark.parametrize("files,field", [
    ({"x.yaml": "names: [a]\n"}, "data.yaml"),
    ({"data.yaml": "kpt_shape: [3, 3]\nnames: [a]\ntrain: images\nval: missing\n", "images/a.jpg": b"x"}, "data.yaml:val"),
    ({"data.yaml": "kpt_shape: [3, 4]\nnames: [a]\ntrain: images\nval: images\n"}, "data.yaml:kpt_shape"),
    ({"data.yaml": "kpt_shape: [3, 3]\nflip_idx: [1, 2, 0]\nnames: [a]\ntrain: i\nval: i\n"}, "data.yaml:flip_idx"),
    ({"data.yaml": "kpt_shape: [3, 3]\nnames: {1: a}\ntrain: i\nval: i\n"}, "data.yaml:names"),
    ({"data.yaml": "kpt_shape: [3, 3]\nnames: [a]\nkpt_names: {0: [x, x, y]}\ntrain: i\nval: i\n"}, "data.yaml:kpt_names"),
    ({"data.yaml": "kpt_shape: [3, 3]\nnames: [a]\ntrain: t.txt\nval: t.txt\n", "t.txt": "./gone.jpg\n"}, "t.txt:1"),
    ({"data.yaml": "kpt_shape: [3, 3\n"}, "data.yaml"),
])
def test_a_bad_dataset_names_the_field(files, field):
    with pytest.raises(FormatError) as exc:
        read_yolo_zip(make_zip(files), image_size=sizes)
    assert exc.value.field == field, exc.value.message


def test_folder_reader_and_the_default_size_reader(tmp_path):
    from PIL import Image

    (tmp_path / "images").mkdir()
    Image.new("RGB", (64, 48)).save(tmp_path / "images" / "a.jpg")
    (tmp_path / "data.yaml").write_text(DATA + "train: images\nval: images\n")
    ds = read_yolo_folder(tmp_path)
    assert (ds.images[0].width, ds.images[0].height) == (64, 48) and not ds.images[0].has_annotations
    (tmp_path / "images" / "b.jpg").write_bytes(b"not a picture")
    with pytest.raises(FormatError) as exc:
        read_yolo_folder(tmp_path)
    assert exc.value.field == "images/b.jpg"


def test_writer_and_reader_refuse_without_crashing_on_an_empty_writer():
    sink = ZipSink(io.BytesIO())
    with pytest.raises(FormatError):
        YoloPoseWriter(sink, [THING]).close()
    sink.close()
