"""Signals for apps that depend on datasets (the arrows point one way: datasets cannot call them).

`dataset_moved` is sent inside the transaction of `datasets.services.dataset_move`, after the dataset's
workspace changed, with `dataset`, `source` and `target` (Workspace). Receivers move or drop what they keep
about the dataset in the same transaction: training moves the dataset's sessions, labeling drops assignments
of people who are not members of the target. An exception in a receiver rolls the move back.
"""
from django.dispatch import Signal

dataset_moved = Signal()
