import assert from "node:assert/strict";
import { test } from "node:test";

import {
  classDeleteText, countOf, datasetDeleteText, imageDeleteText, splitName, splitText, thumbBadges,
} from "../static/datasets/badges.js";

test("counts of a class name read like English, or stay unbent when the name is not plain words", () => {
  assert.equal(countOf(1, "person"), "1 person");
  assert.equal(countOf(2, "person"), "2 people");
  assert.equal(countOf(3, "hand"), "3 hands");
  assert.equal(countOf(2, "box"), "2 boxes");
  assert.equal(countOf(2, "butterfly"), "2 butterflies");
  assert.equal(countOf(2, "monkey"), "2 monkeys");
  assert.equal(countOf(4, "sheep"), "4 sheep");
  assert.equal(countOf(2, "Mouse"), "2 Mice");
  assert.equal(countOf(2, "hard hat"), "2 hard hats");
  assert.equal(countOf(2, "hand_left"), "2 × hand_left");
  assert.equal(countOf(2, "kp3"), "2 × kp3");
  assert.equal(countOf(1, "RGB-D cam"), "1 × RGB-D cam");
});

test("a relative name is split into its folders and its file name", () => {
  assert.deepEqual(splitName("cam1/day 2/frame_0001.jpg"), { folder: "cam1/day 2/", base: "frame_0001.jpg" });
  assert.deepEqual(splitName("a.jpg"), { folder: "", base: "a.jpg" });
});

const classes = new Map([[4, "person"], [9, "hand"]]);

test("badges say unlabelled, no objects, counts per class in class order, and crowd regions", () => {
  assert.deepEqual(thumbBadges({ labelled: false, instance_count: 0, class_counts: {} }, classes),
    [{ text: "unlabelled", kind: "todo" }]);
  assert.deepEqual(thumbBadges({ labelled: true, instance_count: 0, class_counts: {}, crowd_count: 0 }, classes),
    [{ text: "no objects", kind: "empty" }]);
  const busy = { labelled: true, instance_count: 5, class_counts: { 9: 3, 4: 2 }, crowd_count: 1 };
  assert.deepEqual(thumbBadges(busy, classes).map((b) => b.text), ["2 people", "3 hands", "1 crowd region"]);
  // A crowd region alone is a label (COCO lists it), not "no objects".
  const crowdOnly = { labelled: true, instance_count: 0, class_counts: {}, crowd_count: 2 };
  assert.deepEqual(thumbBadges(crowdOnly, classes).map((b) => b.text), ["2 crowd regions"]);
  // A class the page does not know (deleted meanwhile) is still counted.
  assert.deepEqual(thumbBadges({ labelled: true, instance_count: 1, class_counts: { 77: 1 } }, classes).map((b) => b.text),
    ["1 × class 77"]);
});

test("delete dialogs say what labels go with the thing deleted", () => {
  const ds = datasetDeleteText("people", { total: 12, labelled: 7, instances: 19 });
  assert.match(ds.title, /people/);
  assert.deepEqual(ds.details.slice(0, 2), ["12 images and their files", "19 labelled instances on 7 labelled images"]);
  const img = imageDeleteText({ original_name: "cam1/a.jpg", labelled: true, instance_count: 3, class_counts: { 4: 3 }, crowd_count: 0 }, classes);
  assert.match(img.title, /cam1\/a\.jpg/);
  assert.match(img.message, /Its labels go with it: 3 people\./);
  assert.match(imageDeleteText({ original_name: "b.jpg", labelled: true, instance_count: 0, class_counts: {} }, classes).message, /no objects/);
  assert.match(imageDeleteText({ original_name: "c.jpg", labelled: false }, classes).message, /no labels yet/);
  assert.match(classDeleteText("person", null).message, /No image has labels/);
  assert.match(classDeleteText("person", { instances: 12, images: 7 }).message, /12 labels of this class \(instances and crowd regions\) on 7 images go/);
  assert.match(classDeleteText("person", { instances: 1, images: 1 }).message, /1 label of this class .* on 1 image go/);
});

test("the split line counts images, labelled images and instances per split", () => {
  assert.equal(splitText({ train: { images: 8, labelled: 6, instances: 14 }, val: { images: 1, labelled: 1, instances: 1 } }),
    "train: 8 images (6 labelled, 14 instances) · val: 1 image (1 labelled, 1 instance)");
});
