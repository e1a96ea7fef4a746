// Dataset page: rename and delete the dataset (the delete dialog counts the images and labels that go with
// it), the train/val counts, and the share of images in val.

import { api } from "../frontend/api.js";
import { confirmDialog, editInPlace } from "../frontend/dialog.js";
import { datasetDeleteText, splitText } from "./badges.js";
import { emit, on } from "./events.js";

const $ = (id) => document.getElementById(id);
const root = $("dataset");
const datasetId = Number(root.dataset.id);
let progress = null;
let valFraction = Number(root.dataset.valFraction);

function showError(text) {
  $("dataset-error").textContent = text;
  $("dataset-error").hidden = !text;
}

on("progress", (p) => {
  progress = p;
  $("split-counts").textContent = splitText(p.splits);
  const warn = $("split-warning");
  // Training scores on val: with no labelled val instance every figure is 0 (issue 12, "no silent zeros").
  const noVal = p.splits.val.instances === 0 && p.instances > 0;
  const noTrain = p.splits.train.instances === 0 && p.instances > 0;
  warn.hidden = !(noVal || noTrain);
  warn.textContent = noVal ? "No labelled instance is in val: training could not be scored. Move a labelled image to val "
    + "(its thumbnail's switch) or raise the val share." : noTrain ? "No labelled instance is in train: training would learn nothing." : "";
});

if ($("rename-dataset")) {
  $("rename-dataset").addEventListener("click", async () => {
    const node = $("dataset-name");
    const saved = await editInPlace(node, {
      value: node.textContent, label: "New name for the dataset",
      save: (name) => api(`/api/v1/datasets/${datasetId}/`, { method: "PATCH", json: { name } }),
    });
    if (saved !== null) {
      node.textContent = saved;
      document.title = document.title.replace(/^[^·]*·/, `${saved} ·`);
    }
  });
}

if ($("delete-dataset")) {
  $("delete-dataset").addEventListener("click", async () => {
    showError("");
    const p = progress || await api(`/api/v1/datasets/${datasetId}/progress/`);
    const text = datasetDeleteText($("dataset-name").textContent, p);
    if (!(await confirmDialog({ ...text, confirm: "Delete dataset" }))) return;
    try {
      await api(`/api/v1/datasets/${datasetId}/`, { method: "DELETE" });
      location.href = "/";
    } catch (err) {
      showError(err.message);
    }
  });
}

if ($("val-form")) {
  $("val-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const value = Number($("val-fraction").value);
    if (value === valFraction) { $("val-status").textContent = "unchanged"; return; }
    const ok = await confirmDialog({
      title: `Put about ${Math.round(value * 100)} % of the images in val?`,
      message: "Every image's split is drawn again from its content; splits set by hand on single images are "
        + "replaced. Labels are not touched.",
      confirm: "Re-draw splits", danger: false,
    });
    if (!ok) { $("val-fraction").value = valFraction; return; }
    try {
      const d = await api(`/api/v1/datasets/${datasetId}/`, { method: "PATCH", json: { val_fraction: value } });
      valFraction = d.val_fraction;
      $("val-status").textContent = "splits re-drawn";
      emit("labels");
    } catch (err) {
      $("val-status").textContent = err.message;
    }
  });
}
