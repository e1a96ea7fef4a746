"""Backup exporter of a workspace's datasets: datasets, skeleton classes (templates), images with their files,
annotations (instances and crowd regions), the annotation history, and assignments (`Image.assignee`).

On restore every id is new: image files move from `datasets/<old id>/...` to `datasets/<new id>/...`, the
class ids inside instances are remapped, and people are matched by username (config.backup.Reader.user)."""
from __future__ import annotations

from config.backup import build, dump, keeping_timestamps

from .annotations import image_counts
from .models import Annotation, AnnotationRevision, Dataset, Image, SkeletonClass

BATCH = 500
FILE_FIELDS = ("file", "thumbnail", "rendition")


def _people(w, row: dict, *fields: str) -> dict:
    for f in fields:
        row[f] = w.user(row.pop(f"{f}_id"))
    return row


def _remap_instances(instances: list, classes: dict[int, int]) -> list:
    return [{**inst, "class": classes.get(inst.get("class"), inst.get("class"))} for inst in instances]


def _moved(name: str, old_ds: int, new_ds: int) -> str:
    prefix = f"datasets/{old_ds}/"
    return f"datasets/{new_ds}/{name[len(prefix):]}" if name.startswith(prefix) else f"datasets/{new_ds}/{name}"


class DatasetsExporter:
    name = "datasets"

    def export(self, w, workspace) -> None:
        datasets = Dataset.objects.filter(workspace=workspace).order_by("id")
        w.rows("datasets.dataset", (_people(w, dump(d), "created_by") for d in datasets))
        w.rows("datasets.skeletonclass", (dump(c) for c in SkeletonClass.objects.filter(
            dataset__workspace=workspace).order_by("id")))

        def images():
            for im in Image.objects.filter(dataset__workspace=workspace).order_by("id").iterator(chunk_size=BATCH):
                for f in FILE_FIELDS:
                    w.file(getattr(im, f).name)
                yield _people(w, dump(im), "assignee")
        w.rows("datasets.image", images())
        w.rows("datasets.annotation", (_people(w, dump(a), "updated_by") for a in Annotation.objects.filter(
            image__dataset__workspace=workspace).order_by("id").iterator(chunk_size=BATCH)))
        w.rows("datasets.annotationrevision", (_people(w, dump(v), "saved_by") for v in AnnotationRevision.objects.filter(
            image__dataset__workspace=workspace).order_by("id").iterator(chunk_size=BATCH)))

    def restore(self, r) -> None:
        ds_map, cls_map, img_map = {}, {}, {}
        r.ids.update({"datasets.dataset": ds_map, "datasets.skeletonclass": cls_map, "datasets.image": img_map})
        with keeping_timestamps(Dataset, SkeletonClass, Image, Annotation, AnnotationRevision):
            for row in r.rows("datasets.dataset"):
                d = build(Dataset, row, workspace_id=r.workspace.pk, created_by_id=r.user(row["created_by"]))
                d.save()
                ds_map[row["id"]] = d.pk
            templates = {}
            for row in r.rows("datasets.skeletonclass"):
                c = build(SkeletonClass, row, dataset_id=ds_map[row["dataset_id"]], template_image_id=None)
                c.save()
                cls_map[row["id"]] = c.pk
                if row.get("template_image_id"):
                    templates[c.pk] = row["template_image_id"]
            self._images(r, ds_map, img_map)
            for pk, old_image in templates.items():
                SkeletonClass.objects.filter(pk=pk).update(template_image_id=img_map.get(old_image))
            self._bulk(Annotation, (build(Annotation, row, image_id=img_map[row["image_id"]],
                                          instances=_remap_instances(row["instances"], cls_map),
                                          crowd=_remap_instances(row.get("crowd", []), cls_map),
                                          updated_by_id=r.user(row["updated_by"]))
                                    for row in r.rows("datasets.annotation")))
            self._bulk(AnnotationRevision, (build(AnnotationRevision, row, image_id=img_map[row["image_id"]],
                                                  instances=_remap_instances(row["instances"], cls_map),
                                                  crowd=_remap_instances(row.get("crowd", []), cls_map),
                                                  saved_by_id=r.user(row["saved_by"]))
                                            for row in r.rows("datasets.annotationrevision")))
            self._recount(ds_map.values())

    def _images(self, r, ds_map: dict, img_map: dict) -> None:
        batch: list[tuple[int, Image]] = []

        def flush():
            if not batch:
                return
            Image.objects.bulk_create([im for _, im in batch])
            # Ids by content (unique per dataset): does not rely on the database returning ids from bulk_create.
            keys = {(im.dataset_id, im.sha256): old for old, im in batch}
            for ds, sha, pk in Image.objects.filter(dataset_id__in={im.dataset_id for _, im in batch},
                                                     sha256__in=[im.sha256 for _, im in batch]).values_list(
                    "dataset_id", "sha256", "id"):
                if (ds, sha) in keys:
                    img_map[keys[(ds, sha)]] = pk
            batch.clear()

        for row in r.rows("datasets.image"):
            old_ds, new_ds = row["dataset_id"], ds_map[row["dataset_id"]]
            names = {f: (r.copy_file(row[f], _moved(row[f], old_ds, new_ds)) if row[f] else "") for f in FILE_FIELDS}
            batch.append((row["id"], build(Image, row, dataset_id=new_ds, assignee_id=r.user(row["assignee"]),
                                           **names)))
            if len(batch) >= BATCH:
                flush()
        flush()

    @staticmethod
    def _recount(dataset_ids) -> None:
        """The images' label counts from the restored labels: class ids are new, and older backups lack them."""
        batch = []
        for ann in Annotation.objects.filter(image__dataset_id__in=list(dataset_ids)).only(
                "image_id", "instances", "crowd", "no_objects").iterator(chunk_size=BATCH):
            batch.append(Image(pk=ann.image_id, **image_counts(ann.instances, ann.crowd, ann.no_objects)))
            if len(batch) >= BATCH:
                Image.objects.bulk_update(batch, ["labelled", "instance_count", "class_counts", "crowd_count"])
                batch = []
        Image.objects.bulk_update(batch, ["labelled", "instance_count", "class_counts", "crowd_count"])

    @staticmethod
    def _bulk(model, objs) -> None:
        batch = []
        for obj in objs:
            batch.append(obj)
            if len(batch) >= BATCH:
                model.objects.bulk_create(batch)
                batch = []
        model.objects.bulk_create(batch)
