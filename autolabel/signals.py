"""New uploads start (or join) an autolabel job once their transaction has committed, when the dataset says so."""
from django.dispatch import receiver

from datasets.signals import images_added


@receiver(images_added, dispatch_uid="autolabel_on_upload")
def _images_added(sender, dataset_id: int, image_ids: list[int], **kwargs):
    from .jobs import on_images_added

    on_images_added(dataset_id=dataset_id, image_ids=image_ids)
