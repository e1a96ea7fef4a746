"""Train in the foreground through the same service the Celery worker uses, with a progress bar.

    python manage.py train <dataset id or name> --model yolo11n-pose --epochs 50 [--imgsz 640 --batch 16]
    python manage.py train people --resume 12          # continue session 12 from its last.pt
"""
from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from accounts import cli
from config import storage
from config.errors import DomainError
from datasets.models import Dataset
from training import files, services
from training.engine import algorithms
from training.engine.params import RANGES, TrainingParams
from training.models import TrainingSession


def _duration(seconds) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class ProgressBar:
    def __init__(self, out, width: int = 30):
        self.out, self.width = out, width
        self.tty = hasattr(out, "isatty") and out.isatty()
        self.last_epoch = -1

    def __call__(self, s: TrainingSession) -> None:
        filled = int(round(self.width * min(max(s.progress, 0.0), 1.0)))
        bar = "#" * filled + "-" * (self.width - filled)
        fit = "-" if s.best_fitness is None else f"{s.best_fitness:.4f}"
        text = (f"[{bar}] {s.progress * 100:5.1f}%  epoch {s.epoch}/{s.epochs or '?'}  best fitness {fit}  "
                f"time left {_duration(s.eta_seconds)}")
        if self.tty:
            self.out.write("\r" + text + "   ", ending="")
            self.out.flush()
        elif s.epoch != self.last_epoch:  # one line per epoch when the output is a file or a pipe
            self.out.write(text)
            self.out.flush()
        self.last_epoch = s.epoch

    def done(self):
        if self.tty:
            self.out.write("")


class Command(BaseCommand):
    help = "Train a YOLO pose model on a dataset in the foreground (same service as the gpu-queue worker)."

    def add_arguments(self, parser):
        parser.add_argument("dataset", nargs="?", help="dataset id or name")
        parser.add_argument("--user", "--owner", dest="user",
                            help="who trains: a member of the dataset's workspace (needed when a name is ambiguous)")
        parser.add_argument("--workspace", help="the dataset's workspace, id or name")
        parser.add_argument("--model", default=algorithms.DEFAULT, help=f"pose model config (default {algorithms.DEFAULT})")
        defaults = TrainingParams.defaults()
        for name in TrainingParams.names():  # one option per training parameter, same names as the API
            if name == "plots":
                parser.add_argument("--no-plots", action="store_true", help="let Ultralytics write no plots")
            else:
                parser.add_argument(f"--{name}", default=None, help=f"{RANGES[name].help} (default {defaults[name]})")
        parser.add_argument("--classes", help="comma-separated class ids (default: all)")
        parser.add_argument("--name", default="")
        parser.add_argument("--weights", help="initial weights: a local Ultralytics .pt file")
        parser.add_argument("--pretrained", metavar="NAME",
                            help="start from an Ultralytics COCO-pretrained checkpoint in WEIGHTS_DIR, e.g. "
                                 "yolo11n-pose.pt (see `manage.py fetch_weights --list`)")
        parser.add_argument("--from-session", type=int, help="initial weights from this session")
        parser.add_argument("--from-kind", choices=["best", "last"], default="best")
        parser.add_argument("--resume", type=int, metavar="SESSION", help="resume a cancelled or failed session")
        parser.add_argument("--no-evaluate", action="store_true", help="skip the per-keypoint evaluation")
        parser.add_argument("--verbose", action="store_true", help="show Ultralytics' own console output too")

    def _dataset(self, ref: str, username: str | None, workspace: str | None) -> Dataset:
        qs = Dataset.objects.select_related("created_by")
        if username or workspace:
            if username and not workspace:
                qs = qs.filter(workspace__memberships__user__username=username)
            else:
                _, ws = cli.resolve(username, workspace)
                qs = qs.filter(workspace=ws)
        found = list(qs.filter(pk=int(ref))) if ref.isdigit() else []
        found = found or list(qs.filter(name=ref))
        if not found:
            raise CommandError(f"no dataset {ref!r}" + (f" that {username} can see" if username else ""))
        if len(found) > 1:
            raise CommandError(f"{len(found)} datasets are named {ref!r}; pass --user/--workspace or the id")
        return found[0]

    def handle(self, *args, **opts):
        from training.execution import session_execute

        try:
            if opts["resume"]:
                session = TrainingSession.objects.filter(pk=opts["resume"]).first()
                if session is None:
                    raise CommandError(f"no session {opts['resume']}")
                session = services.training_session_resume(session=session, enqueue=False)
            else:
                if not opts["dataset"]:
                    raise CommandError("name a dataset (id or name), or pass --resume SESSION")
                dataset = self._dataset(opts["dataset"], opts["user"], opts["workspace"])
                source, initial_session, weights_file = TrainingSession.WEIGHTS_NONE, None, None
                if opts["pretrained"]:
                    source = f"{TrainingSession.WEIGHTS_PRETRAINED}:{opts['pretrained']}"
                elif opts["weights"]:
                    source, weights_file = TrainingSession.WEIGHTS_UPLOAD, open(opts["weights"], "rb")
                elif opts["from_session"]:
                    initial_session = TrainingSession.objects.filter(pk=opts["from_session"]).first()
                    source = f"session_{opts['from_kind']}"
                classes = [int(c) for c in opts["classes"].split(",")] if opts["classes"] else None
                params = {n: (not opts["no_plots"]) if n == "plots" else opts[n] for n in TrainingParams.names()}
                from django.contrib.auth import get_user_model

                user = (get_user_model().objects.filter(username=opts["user"]).first() if opts["user"] else None) \
                    or dataset.created_by
                session = services.training_session_start(
                    user=user, dataset=dataset, params=params, algorithm=opts["model"], class_ids=classes,
                    name=opts["name"], initial_weights=source, initial_session=initial_session,
                    weights_file=weights_file, weights_name=os.path.basename(opts["weights"] or ""), enqueue=False)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for warning in session.warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(f"session {session.pk}: {session.algorithm}, {session.train_images} train / "
                          f"{session.val_images} val images, params {session.params}")
        bar = ProgressBar(self.stdout)
        try:
            result = session_execute(session_id=session.pk, attempt=session.attempt, console=opts["verbose"],
                                     on_progress=bar, evaluate="none" if opts["no_evaluate"] else "inline")
        except KeyboardInterrupt:
            bar.done()
            raise CommandError(f"interrupted: session {session.pk} is cancelled; resume it with --resume {session.pk}") from None
        bar.done()
        session.refresh_from_db()
        if result is None:
            raise CommandError(f"session {session.pk} could not be claimed (status {session.status})")
        self.stdout.write(f"session {session.pk} {session.status}" + (f": {session.error}" if session.error else ""))
        if session.final_metrics:
            shown = {k: round(v, 4) for k, v in session.final_metrics.items() if isinstance(v, float)}
            self.stdout.write(f"final metrics: {shown}")
        if session.coco:
            self.stdout.write(f"COCO keypoint AP (pycocotools, val): {session.coco.get('ap')} "
                              f"(AP50 {session.coco.get('ap50')}, AP75 {session.coco.get('ap75')}, "
                              f"AR {session.coco.get('ar')})")
        if session.transferred:
            self.stdout.write(f"transferred {session.transferred['transferred']}/{session.transferred['total']} "
                              "layers from the initial weights")
        if session.evaluation:
            self.stdout.write(f"evaluation: PCK@0.05 {session.evaluation.get('pck')}, mean OKS "
                              f"{session.evaluation.get('mean_oks')}")
        for kind in ("best", "last"):
            if files.has_weights(session.pk, kind):
                name = files.weights_name(session.pk, kind)
                self.stdout.write(f"{kind} weights: {storage.local_path(name) or name}")
        if session.status != TrainingSession.COMPLETED:
            raise CommandError(f"session {session.pk} ended {session.status}")
