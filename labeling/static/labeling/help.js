// The "?" overlay: every shortcut of the page, drawn from the same table that dispatches the keys.

import { keyLabel } from "./shortcuts.js";

export function createHelp(node, table, { title = "Keyboard shortcuts", extra = [] } = {}) {
  const rows = table.map((row) => `<tr><td>${row.keys.map((k) => `<kbd>${escapeHtml(keyLabel(k))}</kbd>`).join(" ")}</td>`
    + `<td>${escapeHtml(row.help)}</td></tr>`).join("");
  const more = extra.map(([keys, help]) => `<tr><td>${keys}</td><td>${escapeHtml(help)}</td></tr>`).join("");
  node.innerHTML = `<div class="help-card" role="dialog" aria-label="${escapeHtml(title)}">
    <h2>${escapeHtml(title)}</h2><table class="help-table">${rows}${more}</table>
    <p class="muted">Press <kbd>?</kbd> or <kbd>Esc</kbd> to close.</p></div>`;
  node.addEventListener("click", (ev) => { if (ev.target === node) node.hidden = true; });
  return {
    toggle() { node.hidden = !node.hidden; },
    hide() { const was = !node.hidden; node.hidden = true; return was; },
    get shown() { return !node.hidden; },
  };
}

export function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
