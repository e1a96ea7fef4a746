"""`manage.py train` runs the same service in the foreground: train, then fine-tune from that session."""
from __future__ import annotations

import io
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.training_fixtures import import_subset


@pytest.fixture
def small_dataset(transactional_db, user, tmp_path):
    # transactional: the heartbeat thread writes through its own connection, as on a worker
    from accounts.selectors import personal_workspace
    from datasets.services import dataset_create

    ds = dataset_create(workspace=personal_workspace(user), user=user, name="cmd people")
    import_subset(ds.pk, tmp_path, 8)
    return ds


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_audit = {"on": False, "events": []}


def _hook(event, args):
    if not _audit["on"]:
        return
    if event == "socket.getaddrinfo" and str(args[0]) not in LOCAL_HOSTS:
        _audit["events"].append((event, args[0]))
    elif event == "socket.connect" and isinstance(args[1], tuple) and str(args[1][0]) not in LOCAL_HOSTS:
        _audit["events"].append((event, args[1]))
    elif event in ("urllib.Request", "http.client.connect"):
        _audit["events"].append((event, args[:2]))
    elif event == "subprocess.Popen" and any("pip" in str(a) for a in (args[1] or [])):
        _audit["events"].append((event, args[1]))


sys.addaudithook(_hook)  # hooks cannot be removed; this one only records while _audit["on"]


def test_train_command_trains_with_progress_then_fine_tunes_from_it(small_dataset):
    from training.models import EpochMetric, TrainingSession

    out = io.StringIO()
    _audit.update(on=True, events=[])
    try:  # with plots on, and an evaluation: fonts, plots, AMP check, settings sync must all stay offline
        call_command("train", "cmd people", "--model", "yolo11n-pose", "--epochs", "1", "--imgsz", "64", "--batch",
                     "4", stdout=out, stderr=io.StringIO())
    finally:
        _audit["on"] = False
    assert _audit["events"] == [], "network or pip activity during training"
    text = out.getvalue()
    first = TrainingSession.objects.get()
    assert first.status == "completed" and first.worker == "" and first.epoch == 1
    assert "[" in text and "epoch 1/1" in text and f"session {first.pk} completed" in text
    assert "best weights:" in text and "evaluation: PCK@0.05" in text
    assert first.evaluation_status == "done" and len(first.evaluation["keypoints"]) == 17
    assert EpochMetric.objects.filter(session=first).count() == 1

    call_command("train", str(small_dataset.pk), "--epochs", "1", "--imgsz", "64", "--batch", "4", "--no-plots",
                 "--no-evaluate", "--from-session", str(first.pk), "--from-kind", "last", stdout=io.StringIO(),
                 stderr=io.StringIO())
    second = TrainingSession.objects.exclude(pk=first.pk).get()
    assert second.status == "completed" and second.initial_weights == "session_last"
    assert second.initial_weights_name == f"session {first.pk} last.pt"
    from training import files

    assert any("Transferred" in line for line in files.tail(second.pk, 10000)[0])


def test_train_command_explains_refusals(small_dataset):
    with pytest.raises(CommandError, match="no dataset"):
        call_command("train", "nope", stdout=io.StringIO())
    with pytest.raises(CommandError, match="unknown algorithm"):
        call_command("train", "cmd people", "--model", "resnet50", stdout=io.StringIO())
