"""Image names: normalised user names, unambiguous matching to archive entries, collision-free exports."""
import pytest

from datasets.formats.names import (
    export_names,
    find_annotation_file,
    folder_entries,
    is_junk_entry,
    normalize_name,
    resolve_file_names,
    upload_name,
    yolo_label_path,
)
from datasets.formats.records import FormatError


@pytest.mark.parametrize("raw,name", [
    ("cam1/frame_0001.jpg", "cam1/frame_0001.jpg"),
    ("cam1\\frame_0001.jpg", "cam1/frame_0001.jpg"),
    ("./cam1//frame.jpg", "cam1/frame.jpg"),
    ("/abs/path/x.jpg", "abs/path/x.jpg"),
    ("C:\\Users\\me\\x.jpg", "Users/me/x.jpg"),
    ("../images/x.jpg", "images/x.jpg"),
    ("a/../b/x.jpg", "b/x.jpg"),
    ("fra\u0308me.jpg", "fr\u00e4me.jpg"),
])
def test_names_are_normalised(raw, name):
    assert normalize_name(raw) == name


@pytest.mark.parametrize("entry,junk", [
    ("__MACOSX/cam1/._a.jpg", True), ("cam1/._a.jpg", True), ("cam1/", True), (".DS_Store", True),
    ("x/Thumbs.db", True), ("cam1/a.jpg", False), ("cam1/_a.jpg", False),
])
def test_macos_and_windows_junk_is_recognised(entry, junk):
    assert is_junk_entry(entry) is junk
    assert (upload_name(entry) is None) is junk


def test_exact_path_wins_over_a_longer_path_that_ends_with_the_name():
    assert resolve_file_names(["0001.jpg"], ["0001.jpg", "images/0001.jpg"]) == ["0001.jpg"]


def test_a_name_relative_to_the_json_folder_is_exact():
    entries = ["export/annotations.json", "export/images/a.jpg", "other/images/a.jpg"]
    assert resolve_file_names(["images/a.jpg"], entries, base="export") == ["export/images/a.jpg"]
    with pytest.raises(FormatError):
        resolve_file_names(["images/a.jpg"], entries)  # without the base both fit


def test_match_on_a_component_boundary_only():
    assert resolve_file_names(["rain/0001.jpg"], ["images/train/0001.jpg"]) == [None]
    assert resolve_file_names(["train/0001.jpg"], ["images/train/0001.jpg"]) == ["images/train/0001.jpg"]


def test_a_name_with_more_folders_than_the_archive_resolves_when_only_one_fits():
    entries = ["train/0001.jpg", "val/0001.jpg"]
    assert resolve_file_names(["/home/me/coco/train/0001.jpg"], entries) == ["train/0001.jpg"]
    assert resolve_file_names(["/home/me/coco/test/0001.jpg"], entries) == [None]


def test_letter_case_is_a_last_resort_and_must_be_unique():
    assert resolve_file_names(["IMG_1.JPG"], ["img_1.jpg"]) == ["img_1.jpg"]
    with pytest.raises(FormatError):
        resolve_file_names(["IMG_1.JPG"], ["img_1.jpg", "Img_1.jpg"])


def test_two_json_images_never_share_one_file():
    with pytest.raises(FormatError) as exc:
        resolve_file_names(["train/0001.jpg", "val/0001.jpg"], ["0001.jpg"])
    assert exc.value.field == "images" and "'train/0001.jpg' and 'val/0001.jpg' both fit '0001.jpg'" in exc.value.message


def test_junk_entries_are_never_candidates():
    assert resolve_file_names(["a.jpg"], ["__MACOSX/._a.jpg", "._a.jpg", "x/a.jpg"]) == ["x/a.jpg"]


def test_missing_files_are_none_for_the_caller_to_report():
    assert resolve_file_names(["a.jpg", "b.jpg"], ["a.jpg"]) == ["a.jpg", None]


def test_export_names_change_only_what_collides_and_do_not_depend_on_order():
    names = ["cam1/frame.jpg", "cam2/frame.jpg", "frame.jpg", "frame.png", "FRAME.gif", "x.jpg"]
    out = export_names(names)
    assert out[:2] == names[:2] and out[5] == "x.jpg"
    assert out[2:5] == ["frame_jpg.jpg", "frame_png.png", "FRAME_gif.gif"]
    assert export_names(names[::-1]) == out[::-1]


def test_export_names_of_duplicates_and_names_taken_by_the_renaming():
    assert export_names(["a.jpg", "a.jpg"]) == ["a_jpg.jpg", "a_jpg_2.jpg"]
    assert export_names(["a.jpg", "a.png", "a_png.png"]) == ["a_jpg.jpg", "a_png_2.png", "a_png.png"]


def test_export_names_add_the_stored_suffix_when_the_name_has_none():
    assert export_names(["scan", "photo.jpeg"], [".png", ".jpg"]) == ["scan.png", "photo.jpeg"]


def test_a_file_may_not_be_named_like_a_folder():
    out = export_names(["a.jpg", "a.jpg/b.png", "a.txt/c.png", "a.png"])
    assert out[1] == "a.jpg/b.png" and out[2] == "a.txt/c.png"
    assert out[0] != "a.jpg" and out[3] != "a.png"


@pytest.mark.parametrize("image,label", [
    ("images/train/a.jpg", "labels/train/a.txt"),
    ("images/train/cam1/a.b.jpg", "labels/train/cam1/a.b.txt"),
    ("images/train/cam1/images/a.jpg", "images/train/cam1/labels/a.txt"),
    ("train/a.jpg", "train/a.txt"),
])
def test_label_paths_follow_ultralytics(image, label):
    from ultralytics.data.utils import img2label_paths

    assert yolo_label_path(image) == label
    assert img2label_paths(["/root/" + image]) == ["/root/" + label]


def test_folder_entries_and_the_one_annotation_file(tmp_path):
    (tmp_path / "cam1").mkdir()
    (tmp_path / "cam1" / "a.jpg").write_bytes(b"x")
    (tmp_path / "cam1" / "._a.jpg").write_bytes(b"fork")
    (tmp_path / "ann.json").write_text("{}")
    entries = folder_entries(tmp_path)
    assert entries == ["ann.json", "cam1/a.jpg"]
    assert resolve_file_names(["a.jpg"], entries) == ["cam1/a.jpg"]
    assert find_annotation_file(entries + ["__MACOSX/._ann.json"]) == "ann.json"
    with pytest.raises(FormatError) as exc:
        find_annotation_file(["a.json", "b/c.JSON"])
    assert exc.value.field == "file" and "found 2" in exc.value.message
