from datasets.imports import import_yolo_folder

from .import_coco import Command as CocoCommand


class Command(CocoCommand):
    help = ("Import an Ultralytics YOLO pose dataset folder (data.yaml with kpt_shape, images/, labels/) into a "
            "dataset (created if missing). All or nothing; labelled images are left alone unless --mode says so.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        for action in parser._actions:
            if action.dest == "json":
                action.help = "the folder of the YOLO dataset (the one holding data.yaml)"
            if action.dest == "images":
                action.required = False
                action.help = "not used for YOLO (pictures are found as Ultralytics finds them)"

    def run_import(self, dataset, user, opts) -> dict:
        return import_yolo_folder(dataset=dataset, root=opts["json"], mode=opts["mode"], user=user)
