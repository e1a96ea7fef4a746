// Dataset page, "Who labels what": progress per person; for admins, split the open images among members,
// move or clear a person's images, and move the dataset to another workspace.
import { api } from "../frontend/api.js";

const $ = (id) => document.getElementById(id);
const root = $("dataset");
const datasetId = Number(root.dataset.id);
const isAdmin = root.dataset.admin === "1";
const base = `/api/v1/datasets/${datasetId}/assignments`;
let people = [];

function changed() {
  window.dispatchEvent(new CustomEvent("posedeck:assignments"));
  load();
}

function bar(done, total) {
  const outer = document.createElement("span");
  outer.className = "bar";
  const inner = document.createElement("span");
  inner.style.width = `${total ? Math.round((100 * done) / total) : 0}%`;
  outer.append(inner);
  return outer;
}

function personRow(p) {
  const row = document.createElement("tr");
  row.dataset.user = p.user;
  row.dataset.username = p.username;
  row.innerHTML = `<td class="name"></td><td class="role"></td><td class="assigned"></td><td class="labelled"></td><td class="progress"></td>`;
  row.querySelector(".name").textContent = p.username;
  row.querySelector(".role").textContent = p.role || "left";
  row.querySelector(".assigned").textContent = p.assigned;
  row.querySelector(".labelled").textContent = p.labelled;
  row.querySelector(".progress").append(bar(p.labelled, p.assigned));
  if (isAdmin) {
    const cell = document.createElement("td");
    if (p.unlabelled) {
      const to = document.createElement("select");
      to.className = "reassign";
      to.setAttribute("aria-label", `Give ${p.username}'s unlabelled images to`);
      to.add(new Option(`Give ${p.unlabelled} unlabelled to…`, ""));
      for (const other of people) if (other.user !== p.user && other.role) to.add(new Option(other.username, other.user));
      to.add(new Option("nobody (open to everyone)", "open"));
      to.addEventListener("change", async () => {
        if (!to.value) return;
        await api(`${base}/reassign/`, { method: "POST", json: {
          from_user: p.user, to_user: to.value === "open" ? null : Number(to.value) } });
        changed();
      });
      cell.append(to);
    }
    row.append(cell);
  }
  return row;
}

async function load() {
  const body = await api(`${base}/`);
  people = body.people;
  $("people").replaceChildren(...people.map(personRow));
  $("open-images").textContent = `${body.open.unlabelled} unlabelled image${body.open.unlabelled === 1 ? " is" : "s are"} ` +
    "assigned to nobody: open to everyone who labels.";
  if (isAdmin) {
    $("split-members").replaceChildren(...people.filter((p) => p.role).map((p) => {
      const label = document.createElement("label");
      label.className = "check";
      label.innerHTML = `<input type="checkbox" name="users"> <span></span>`;
      label.querySelector("input").value = p.user;
      label.querySelector("input").checked = p.role === "labeller";
      label.querySelector("span").textContent = p.username;
      return label;
    }));
  }
}

if (isAdmin) {
  $("split").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const users = [...document.querySelectorAll("#split-members input:checked")].map((i) => Number(i.value));
    try {
      const done = await api(`${base}/split/`, { method: "POST", json: { users, replace: $("split-replace").checked } });
      $("split-status").textContent = `${done.images} image(s) split: ` +
        done.assigned.map((a) => `${a.username} ${a.images}`).join(", ");
    } catch (err) {
      $("split-status").textContent = err.message;
    }
    changed();
  });

  (async () => {
    const spaces = await api("/api/v1/workspaces/");
    const here = Number(root.dataset.workspace);
    const targets = spaces.filter((w) => w.my_role === "admin" && w.id !== here);
    $("move-target").replaceChildren(...targets.map((w) => new Option(w.name, w.id)));
    $("move-go").disabled = !targets.length;
    if (!targets.length) $("move-status").textContent = "(you are admin of no other workspace)";
  })();
  $("move").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const target = $("move-target");
    const name = target.options[target.selectedIndex].text;
    if (!window.confirm(`Move this dataset and its training sessions to "${name}"? Members of this workspace who are not members there lose access.`)) return;
    try {
      await api(`/api/v1/datasets/${datasetId}/move/`, { method: "POST", json: { workspace: Number(target.value) } });
      location.reload();
    } catch (err) {
      $("move-status").textContent = err.message;
    }
  });
}

load();
