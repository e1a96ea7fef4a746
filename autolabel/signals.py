"""New uploads start (or join) an autolabel job once their transaction has committed, when the dataset says so."""
from django.dispatch import receiver

from datasets.signals import dataset_moved, images_added


@receiver(images_added, dispatch_uid="autolabel_on_upload")
def _images_added(sender, dataset_id: int, image_ids: list[int], **kwargs):
    from .jobs import on_images_added

    on_images_added(dataset_id=dataset_id, image_ids=image_ids)


@receiver(dataset_moved, dispatch_uid="autolabel_dataset_moved")
def _dataset_moved(sender, dataset, source, target, **kwargs):
    """A moved dataset takes its jobs along; a deployment of the old workspace is no longer its model (and
    its upload autolabel stops until a model of the new workspace is chosen)."""
    from .models import AutolabelConfig, AutolabelJob

    AutolabelJob.objects.filter(dataset=dataset).update(workspace=target)
    AutolabelConfig.objects.filter(dataset=dataset).exclude(deployment__workspace=target).exclude(
        deployment__isnull=True).update(deployment=None, on_upload=False)
