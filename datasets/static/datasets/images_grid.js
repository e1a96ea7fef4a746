// Dataset page, the image grid: thumbnails with the user's names (folders dimmed), badges that say what is
// labelled ("2 people", "no objects", "unlabelled", "1 crowd region"), the image's split (a train/val
// switch), and rename and delete for people who manage data.

import { api } from "../frontend/api.js";
import { confirmDialog, editInPlace } from "../frontend/dialog.js";
import { imageDeleteText, splitName, thumbBadges } from "./badges.js";
import { emit, on } from "./events.js";

const $ = (id) => document.getElementById(id);
const root = $("dataset");
const datasetId = Number(root.dataset.id);
const canManage = root.dataset.canManage === "1";
const PAGE_SIZE = 48;
const grid = $("images");
let page = 1;
let classNames = null; // id -> name, in class order; null until classes_panel.js has loaded them
let loaded = null;

function say(text) {
  $("grid-error").textContent = text;
}

function nameNode(img) {
  const { folder, base } = splitName(img.original_name);
  const a = document.createElement("a");
  a.className = "name";
  a.href = `/datasets/${datasetId}/label/${img.id}/`;
  a.title = img.original_name;
  const f = document.createElement("span");
  f.className = "folder";
  f.textContent = folder;
  const b = document.createElement("span");
  b.className = "base";
  b.textContent = base;
  a.append(f, b);
  return a;
}

function splitSwitch(img) {
  if (!canManage) {
    const span = document.createElement("span");
    span.className = `badge split split-${img.split}`;
    span.textContent = img.split;
    span.title = `In the ${img.split} split`;
    return span;
  }
  const select = document.createElement("select");
  select.className = `badge split split-${img.split}`;
  select.setAttribute("aria-label", `Split of ${img.original_name}`);
  select.title = "Which split this image is in (train: learnt from; val: scored on)";
  select.add(new Option("train", "train"));
  select.add(new Option("val", "val"));
  select.value = img.split;
  select.addEventListener("change", async () => {
    try {
      const fresh = await api(`/api/v1/images/${img.id}/`, { method: "PATCH", json: { split: select.value } });
      Object.assign(img, fresh);
      select.className = `badge split split-${img.split}`;
      emit("labels", { only: "progress" });
    } catch (err) {
      select.value = img.split;
      say(err.message);
    }
  });
  return select;
}

function thumb(img) {
  const card = document.createElement("div");
  card.className = "thumb";
  card.dataset.id = img.id;
  card.dataset.name = img.original_name;
  const open = document.createElement("a");
  open.className = "open";
  open.href = `/datasets/${datasetId}/label/${img.id}/`;
  open.setAttribute("aria-label", `Label ${img.original_name}`);
  const picture = document.createElement("img");
  picture.loading = "lazy";
  picture.alt = "";
  picture.src = img.thumbnail_url;
  open.append(picture);
  const meta = document.createElement("div");
  meta.className = "meta";
  meta.append(nameNode(img));
  const badges = document.createElement("div");
  badges.className = "badges";
  for (const b of thumbBadges(img, classNames)) {
    const span = document.createElement("span");
    span.className = `badge ${b.kind}`;
    span.textContent = b.text;
    badges.append(span);
  }
  badges.append(splitSwitch(img));
  card.append(open, meta, badges);
  if (img.assignee_name) card.title = `assigned to ${img.assignee_name}`;
  if (canManage) {
    const actions = document.createElement("div");
    actions.className = "actions";
    const rename = document.createElement("button");
    rename.type = "button";
    rename.className = "link-like rename";
    rename.textContent = "Rename";
    rename.addEventListener("click", () => renameImage(img, meta));
    const del = document.createElement("button");
    del.type = "button";
    del.className = "link-like delete";
    del.textContent = "Delete…";
    del.addEventListener("click", () => deleteImage(img));
    actions.append(rename, del);
    card.append(actions);
  }
  return card;
}

async function renameImage(img, meta) {
  const saved = await editInPlace(meta, {
    value: img.original_name,
    label: `New name for ${img.original_name}`,
    save: async (name) => {
      Object.assign(img, await api(`/api/v1/images/${img.id}/`, { method: "PATCH", json: { original_name: name } }));
    },
  });
  if (saved !== null) meta.replaceChildren(nameNode(img));
  meta.closest(".thumb").dataset.name = img.original_name;
}

async function deleteImage(img) {
  const text = imageDeleteText(img, classNames);
  if (!(await confirmDialog({ ...text, confirm: "Delete image" }))) return;
  try {
    await api(`/api/v1/images/${img.id}/`, { method: "DELETE" });
    emit("labels");
  } catch (err) {
    say(err.message);
  }
}

function render() {
  // Badges name classes: wait for them rather than show "2 × class 4" for a moment.
  if (!classNames || !loaded) return;
  grid.replaceChildren(...loaded.map(thumb));
  root.dataset.gridReady = String(performance.now());
}

async function loadImages() {
  const q = new URLSearchParams({ page, page_size: PAGE_SIZE });
  if ($("filter").value) q.set("labelled", $("filter").value);
  if ($("split-filter").value) q.set("split", $("split-filter").value);
  let data;
  try {
    data = await api(`/api/v1/datasets/${datasetId}/images/?${q}`);
  } catch (err) {
    if (err.status === 404 && page > 1) { page -= 1; loadImages(); return; } // the last page emptied
    say(err.message);
    return;
  }
  say("");
  loaded = data.results;
  render();
  $("pager").textContent = `page ${page} of ${Math.max(1, Math.ceil(data.count / PAGE_SIZE))}`;
  $("prev").disabled = !data.previous;
  $("next").disabled = !data.next;
}

$("filter").addEventListener("change", () => { page = 1; loadImages(); });
$("split-filter").addEventListener("change", () => { page = 1; loadImages(); });
$("prev").addEventListener("click", () => { page -= 1; loadImages(); });
$("next").addEventListener("click", () => { page += 1; loadImages(); });
on("classes", (list) => {
  classNames = new Map(list.map((c) => [c.id, c.name]));
  render();
});
on("labels", (detail) => { if (!detail || detail.only !== "progress") loadImages(); });
on("assignments", () => loadImages());
loadImages();
