// One workspace's page: rename, members and their roles, invite links, leave, delete.
import { api } from "../frontend/api.js";
import { bindCopy } from "../frontend/copy.js";

const $ = (id) => document.getElementById(id);
const root = $("workspace");
const wsId = Number(root.dataset.id);
const me = Number(root.dataset.me);
const isAdmin = root.dataset.admin === "1";
const personal = root.dataset.personal === "1";
const ROLES = ["admin", "trainer", "labeller", "viewer"];
const base = `/api/v1/workspaces/${wsId}`;

function showError(err) {
  $("members-error").textContent = err ? err.message : "";
}

// ---------------------------------------------------------------- members
function memberRow(m) {
  const row = document.createElement("tr");
  row.dataset.user = m.user;
  row.dataset.username = m.username;
  row.dataset.role = m.role; // as the server stored it: rows are redrawn after each change
  row.innerHTML = `<td class="name"></td><td class="role"></td><td class="actions"></td>`;
  row.querySelector(".name").textContent = m.user === me ? `${m.username} (you)` : m.username;
  if (isAdmin && !personal) {
    const select = document.createElement("select");
    select.className = "role-select";
    select.setAttribute("aria-label", `Role of ${m.username}`);
    for (const r of ROLES) select.add(new Option(r, r, false, r === m.role));
    select.addEventListener("change", async () => {
      showError(null);
      try {
        await api(`${base}/members/${m.user}/`, { method: "PATCH", json: { role: select.value } });
      } catch (err) {
        showError(err);
      }
      loadMembers();
    });
    row.querySelector(".role").append(select);
    if (m.user !== me) {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove";
      remove.textContent = "Remove";
      remove.addEventListener("click", async () => {
        if (!window.confirm(`Remove ${m.username} from this workspace?`)) return;
        showError(null);
        try {
          await api(`${base}/members/${m.user}/`, { method: "DELETE" });
        } catch (err) {
          showError(err);
        }
        loadMembers();
      });
      row.querySelector(".actions").append(remove);
    }
  } else {
    row.querySelector(".role").textContent = m.role;
  }
  return row;
}

async function loadMembers() {
  const members = await api(`${base}/members/`);
  $("members").replaceChildren(...members.map(memberRow));
}

const leave = $("leave");
if (leave) {
  leave.addEventListener("click", async () => {
    if (!window.confirm("Leave this workspace? You lose access to its datasets.")) return;
    showError(null);
    try {
      await api(`${base}/members/${me}/`, { method: "DELETE" });
      location.href = "/";
    } catch (err) {
      showError(err);
    }
  });
}

// ---------------------------------------------------------------- rename and delete
const rename = $("rename");
if (rename) {
  rename.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const ws = await api(`${base}/`, { method: "PATCH", json: { name: rename.elements.name.value.trim() } });
      $("ws-name").textContent = ws.name;
      $("rename-status").textContent = "Renamed.";
      const option = document.querySelector(`#ws-select option[value="${wsId}"]`);
      if (option) option.textContent = ws.name;
    } catch (err) {
      $("rename-status").textContent = err.message;
    }
  });
}

const del = $("delete-workspace");
if (del) {
  del.addEventListener("click", async () => {
    if (!window.confirm("Delete this workspace? Only an empty workspace can be deleted.")) return;
    try {
      await api(`${base}/`, { method: "DELETE" });
      location.href = "/workspaces/";
    } catch (err) {
      $("delete-error").textContent = err.message;
    }
  });
}

// ---------------------------------------------------------------- invitations
function invitationRow(inv) {
  const row = document.createElement("tr");
  row.dataset.id = inv.id;
  row.dataset.state = inv.state;
  row.innerHTML = `<td class="prefix"></td><td></td><td class="state"></td><td></td><td class="actions"></td>`;
  const cells = row.children;
  cells[0].textContent = `${inv.prefix}…`;
  cells[1].textContent = inv.role;
  cells[2].textContent = inv.state + (inv.accepted_by ? ` by ${inv.accepted_by}` : "");
  cells[3].textContent = new Date(inv.expires_at).toLocaleDateString();
  if (inv.state === "open") {
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.className = "revoke";
    revoke.textContent = "Revoke";
    revoke.addEventListener("click", async () => {
      await api(`${base}/invitations/${inv.id}/`, { method: "DELETE" });
      loadInvitations();
    });
    cells[4].append(revoke);
  }
  return row;
}

async function loadInvitations() {
  const list = await api(`${base}/invitations/`);
  $("invitations").replaceChildren(...list.map(invitationRow));
}

const invite = $("invite");
if (invite) {
  bindCopy($("invite-copy"), $("invite-link"), $("invite-copy-status"));
  invite.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const made = await api(`${base}/invitations/`, {
      method: "POST", json: { role: invite.elements.role.value, days: Number(invite.elements.days.value) || 7 },
    });
    $("invite-link").value = made.url;
    $("invite-copy-status").textContent = `Send this link to the person you invite (as ${made.role}); it is shown only now.`;
    $("invite-result").hidden = false;
    $("invite-link").select();
    loadInvitations();
  });
  loadInvitations();
}

loadMembers();
