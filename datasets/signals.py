"""Signals for apps that depend on datasets (the arrows point one way: datasets cannot call them).

`dataset_moved` is sent inside the transaction of `datasets.services.dataset_move`, after the dataset's
workspace changed, with `dataset`, `source` and `target` (Workspace). Receivers move or drop what they keep
about the dataset in the same transaction: training moves the dataset's sessions, labeling drops assignments
of people who are not members of the target. An exception in a receiver rolls the move back.

`images_added` is sent once the transaction that created new images has committed, with `dataset_id` and
`image_ids` (uploads, one per stored batch; `image_add`): autolabel pre-labels them when the dataset says so.
A receiver's exception is logged, never the uploader's problem.
"""
from django.dispatch import Signal

dataset_moved = Signal()
images_added = Signal()


def send_images_added(dataset_id: int, image_ids: list[int]) -> None:
    """Send `images_added` after the current transaction commits (at once outside one)."""
    import logging

    from django.db import transaction

    if not image_ids:
        return

    def send():
        for receiver, result in images_added.send_robust(sender=None, dataset_id=dataset_id, image_ids=image_ids):
            if isinstance(result, Exception):
                logging.getLogger(__name__).error("images_added receiver %s failed: %s", receiver, result)

    transaction.on_commit(send)
