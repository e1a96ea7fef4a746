import { api } from "../frontend/api.js";

// The current workspace (the shell's switcher): the list shows its datasets and new ones are made in it.
const workspace = Number(document.getElementById("dataset-list").dataset.workspace);
const list = document.getElementById("datasets");
const form = document.getElementById("new-dataset");
const errorBox = document.getElementById("new-dataset-error");

async function load() {
  const page = await api(`/api/v1/datasets/?workspace=${workspace}&page_size=200`);
  list.replaceChildren(...page.results.map((d) => {
    const row = document.createElement("tr");
    row.innerHTML = `<td><a href="/datasets/${d.id}/"></a></td><td>${d.labelled_count} of ${d.image_count} labelled</td>`;
    row.querySelector("a").textContent = d.name;
    return row;
  }));
  document.getElementById("datasets-empty").hidden = page.results.length > 0;
}

if (form) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    errorBox.textContent = "";
    try {
      const d = await api(`/api/v1/datasets/?workspace=${workspace}`, {
        method: "POST", json: { name: form.elements.name.value },
      });
      location.href = `/datasets/${d.id}/`;
    } catch (err) {
      errorBox.textContent = err.message;
    }
  });
}

load();
