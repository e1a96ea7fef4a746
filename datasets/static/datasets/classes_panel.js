// Dataset page, classes: "+" creates one (then its template editor opens), each row renames it in place,
// links to its skeleton and deletes it after saying how many labels go with it (the 409 answer's counts).

import { api } from "../frontend/api.js";
import { confirmDialog, editInPlace } from "../frontend/dialog.js";
import { classDeleteText, count } from "./badges.js";
import { emit, on } from "./events.js";

const $ = (id) => document.getElementById(id);
const root = $("dataset");
const datasetId = Number(root.dataset.id);
const canManage = root.dataset.canManage === "1";

function classRow(c) {
  const li = document.createElement("li");
  li.dataset.id = c.id;
  li.innerHTML = `<span class="swatch"></span><span class="name"></span><span class="muted count"></span><span class="spacer"></span>
    <a class="edit-template button" href="/datasets/${datasetId}/classes/${c.id}/template/">Edit skeleton</a>`;
  li.querySelector(".swatch").style.background = c.color;
  li.querySelector(".name").textContent = c.name;
  li.querySelector(".count").textContent = c.keypoints.length ? count(c.keypoints.length, "keypoint") : "no skeleton yet";
  if (canManage) {
    const rename = document.createElement("button");
    rename.type = "button";
    rename.className = "link-like rename";
    rename.textContent = "Rename";
    rename.title = `Rename the class ${c.name}`;
    rename.addEventListener("click", () => renameClass(c, li.querySelector(".name")));
    const del = document.createElement("button");
    del.type = "button";
    del.className = "x";
    del.title = `Delete the class ${c.name}`;
    del.setAttribute("aria-label", `Delete the class ${c.name}`);
    del.textContent = "×";
    del.addEventListener("click", () => deleteClass(c));
    li.querySelector(".spacer").before(rename);
    li.append(del);
  }
  return li;
}

async function loadClasses() {
  const classes = await api(`/api/v1/datasets/${datasetId}/classes/`);
  $("classes").replaceChildren(...classes.map(classRow));
  $("classes-empty").hidden = classes.length > 0;
  emit("classes", classes);
}

async function renameClass(c, node) {
  const saved = await editInPlace(node, {
    value: c.name,
    label: `New name for the class ${c.name}`,
    save: (name) => api(`/api/v1/classes/${c.id}/`, { method: "PATCH", json: { name } }),
  });
  if (saved !== null) loadClasses();
}

async function deleteClass(c) {
  $("classes-error").textContent = "";
  if (!(await confirmDialog({ ...classDeleteText(c.name, null), confirm: "Delete class" }))) return;
  try {
    await api(`/api/v1/classes/${c.id}/`, { method: "DELETE" });
  } catch (err) {
    if (err.status !== 409 || !err.body || err.body.error !== "class_in_use") {
      $("classes-error").textContent = err.message;
      return;
    }
    // Labels use it: say how many, from the server's own count, and delete them only when confirmed again.
    const text = classDeleteText(c.name, err.body);
    if (!(await confirmDialog({ ...text, confirm: `Delete class and ${err.body.instances} labels` }))) return;
    try {
      await api(`/api/v1/classes/${c.id}/?force=true`, { method: "DELETE" });
    } catch (again) {
      $("classes-error").textContent = again.message;
      return;
    }
  }
  emit("labels"); // reloads the classes too
}

const form = $("class-form");
if ($("add-class")) {
  $("add-class").addEventListener("click", () => {
    form.hidden = false;
    $("class-error").textContent = "";
    $("class-name").focus();
  });
}
$("class-cancel").addEventListener("click", () => { form.hidden = true; });
form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("class-error").textContent = "";
  try {
    const c = await api(`/api/v1/datasets/${datasetId}/classes/`, {
      method: "POST", json: { name: $("class-name").value.trim(), color: $("class-color").value },
    });
    // The next step is always its skeleton: go straight to the template editor.
    location.href = `/datasets/${datasetId}/classes/${c.id}/template/`;
  } catch (err) {
    $("class-error").textContent = err.message;
  }
});

on("labels", (detail) => { if (!detail || detail.only !== "progress") loadClasses(); });
loadClasses();
