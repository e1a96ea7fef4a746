"""Training sessions move with their dataset (datasets.signals.dataset_moved), in the move's transaction.

A session's snapshot and weights are stored under `training/<session id>/`, which does not depend on the
workspace, so moving is one UPDATE: no file moves, and a queued or running session goes on where it runs
(its worker reads the session by id). Sessions made from the dataset whose `dataset` link was cleared (the
dataset was deleted and made again) stay where they are."""
from django.dispatch import receiver

from datasets.signals import dataset_moved

from .models import TrainingSession


@receiver(dataset_moved, dispatch_uid="training-sessions-follow-dataset")
def _dataset_moved(sender, dataset, source, target, **kwargs):
    TrainingSession.objects.filter(dataset=dataset).update(workspace=target)
