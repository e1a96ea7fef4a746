// Workspaces page: the user's workspaces and "create a team workspace".
import { api } from "../frontend/api.js";

const list = document.getElementById("workspaces");
const form = document.getElementById("new-workspace");
const errorBox = document.getElementById("new-workspace-error");

async function load() {
  const spaces = await api("/api/v1/workspaces/");
  list.replaceChildren(...spaces.map((w) => {
    const row = document.createElement("tr");
    row.innerHTML = `<td><a></a></td><td class="role"></td><td class="muted kind"></td>`;
    row.querySelector("a").href = `/workspaces/${w.id}/`;
    row.querySelector("a").textContent = w.name;
    row.querySelector(".role").textContent = w.my_role;
    row.querySelector(".kind").textContent = w.personal ? "personal" : "team";
    return row;
  }));
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  errorBox.textContent = "";
  try {
    const ws = await api("/api/v1/workspaces/", { method: "POST", json: { name: form.elements.name.value.trim() } });
    location.href = `/workspaces/${ws.id}/`;
  } catch (err) {
    errorBox.textContent = err.message;
  }
});

load();
