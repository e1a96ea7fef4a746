// API tokens page: the user's tokens, "create" (shown once, with a copy button) and "revoke".
import { api } from "../frontend/api.js";
import { bindCopy } from "../frontend/copy.js";

const $ = (id) => document.getElementById(id);
const form = $("new-token");
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "never");

function tokenRow(t) {
  const row = document.createElement("tr");
  row.dataset.id = t.id;
  row.innerHTML = `<td class="name"></td><td><code></code></td><td></td><td></td><td></td><td></td>`;
  const cells = row.children;
  cells[0].textContent = t.name;
  cells[1].firstChild.textContent = `${t.prefix}…`;
  cells[2].textContent = when(t.created_at);
  cells[3].textContent = when(t.expires_at);
  cells[4].textContent = when(t.last_used_at);
  const revoke = document.createElement("button");
  revoke.type = "button";
  revoke.className = "revoke";
  revoke.textContent = "Revoke";
  revoke.addEventListener("click", async () => {
    if (!window.confirm(`Revoke "${t.name}"? Scripts using it stop working at once.`)) return;
    await api(`/api/v1/auth/tokens/${t.id}/`, { method: "DELETE" });
    load();
  });
  cells[5].append(revoke);
  return row;
}

async function load() {
  const tokens = await api("/api/v1/auth/tokens/");
  $("tokens").replaceChildren(...tokens.map(tokenRow));
  $("tokens-empty").hidden = tokens.length > 0;
}

bindCopy($("token-copy"), $("token-value"), $("token-copy-status"));
form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("new-token-error").textContent = "";
  try {
    const made = await api("/api/v1/auth/tokens/", {
      method: "POST", json: { name: form.elements.name.value.trim(), days: Number(form.elements.days.value) },
    });
    $("token-value").value = made.token;
    $("token-copy-status").textContent = "Copy it now: it is not shown again.";
    $("token-result").hidden = false;
    form.reset();
    load();
  } catch (err) {
    $("new-token-error").textContent = err.message;
  }
});

load();
