"""Assignments follow the people: someone who leaves a workspace, or becomes a viewer, no longer holds unlabelled
images there (they become open to everyone); a dataset moved to another workspace drops the assignments of
people who may not label there. Connected in LabelingConfig.ready."""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import Membership
from datasets.signals import dataset_moved

from . import assignments


@receiver(post_delete, sender=Membership, dispatch_uid="assignments-member-left")
def _member_left(sender, instance, **kwargs):
    assignments.assignments_drop_for(workspace_id=instance.workspace_id, user_id=instance.user_id)


@receiver(post_save, sender=Membership, dispatch_uid="assignments-member-role")
def _member_role(sender, instance, created, raw=False, **kwargs):
    if not created and not raw and instance.role not in assignments.LABELLING_ROLES:
        assignments.assignments_drop_for(workspace_id=instance.workspace_id, user_id=instance.user_id)


@receiver(dataset_moved, dispatch_uid="assignments-dataset-moved")
def _dataset_moved(sender, dataset, source, target, **kwargs):
    assignments.on_dataset_moved(dataset=dataset, target=target)
