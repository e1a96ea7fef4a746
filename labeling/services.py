"""The labeler's reads and writes of one image's annotation; writes go through the one annotation writer."""
from datasets.annotations import VersionConflict, annotation_read, annotation_write

__all__ = ["VersionConflict", "annotation_read", "annotation_write"]
