// Questions a page asks before it does something that cannot be undone, and names edited in place.
// A real <dialog> (modal, Esc cancels, focus stays inside) instead of window.confirm, so it can say in a
// list what goes with the deletion, and looks like the rest of the page. No inline styles (strict CSP).

/**
 * Ask; resolves true for the confirm button, false for Cancel or Esc.
 * {title, message, details: [lines], confirm: button text, danger: red confirm button}.
 */
export function confirmDialog({ title, message = "", details = [], confirm = "Delete", danger = true }) {
  const dialog = document.createElement("dialog");
  dialog.className = "pd-dialog";
  dialog.id = "confirm-dialog";
  dialog.innerHTML = `<form method="dialog"><h2></h2><p class="message"></p><ul class="details"></ul>
    <div class="buttons"><button type="submit" value="cancel" class="dialog-cancel">Cancel</button>
    <button type="submit" value="ok" class="dialog-confirm"></button></div></form>`;
  dialog.querySelector("h2").textContent = title;
  dialog.querySelector(".message").textContent = message;
  const list = dialog.querySelector(".details");
  list.replaceChildren(...details.map((line) => {
    const li = document.createElement("li");
    li.textContent = line;
    return li;
  }));
  list.hidden = !details.length;
  const ok = dialog.querySelector(".dialog-confirm");
  ok.textContent = confirm;
  ok.classList.add(danger ? "danger" : "primary");
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
    });
    dialog.showModal();
    dialog.querySelector(".dialog-cancel").focus(); // the safe answer is the default one
  });
}

/**
 * Replace `node`'s text with an input holding `value`; Enter (or leaving the field) calls `save(newValue)`,
 * Esc puts the text back. `save` may throw: its message is shown under the field, which stays open.
 * Resolves to the saved value, or null when nothing was saved.
 */
export function editInPlace(node, { value, label, save }) {
  return new Promise((resolve) => {
    const before = [...node.childNodes];
    const wrap = document.createElement("span");
    wrap.className = "edit-in-place";
    const input = document.createElement("input");
    input.type = "text";
    input.value = value;
    input.setAttribute("aria-label", label);
    const error = document.createElement("span");
    error.className = "error small";
    wrap.append(input, error);
    node.replaceChildren(wrap);
    input.focus();
    input.select();
    let busy = false, finished = false;
    const finish = (result) => {
      if (finished) return;
      finished = true;
      node.replaceChildren(...before);
      resolve(result);
    };
    const commit = async () => {
      if (busy || finished) return;
      const next = input.value.trim();
      if (!next || next === value) { finish(null); return; }
      busy = true;
      try {
        await save(next);
        finish(next);
      } catch (err) {
        error.textContent = err.message || String(err);
        input.focus();
      } finally {
        busy = false;
      }
    };
    input.addEventListener("keydown", (ev) => {
      ev.stopPropagation();
      if (ev.key === "Enter") { ev.preventDefault(); commit(); }
      else if (ev.key === "Escape") { ev.preventDefault(); finish(null); }
    });
    input.addEventListener("click", (ev) => { ev.preventDefault(); ev.stopPropagation(); });
    input.addEventListener("blur", () => { if (!error.textContent) commit(); });
  });
}
