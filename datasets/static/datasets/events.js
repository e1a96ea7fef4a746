// The dataset page's parts (upload, grid, classes, settings, import/export, team) are separate modules; they
// tell each other what changed through these window events instead of importing each other.
//   labels      labels or images changed (an import, a delete): counts, grid and classes reload
//   classes     the class list was (re)loaded; detail: the list
//   progress    the progress API answered; detail: its body
//   assignments who labels what changed (team_panel.js)
// Module scripts run in order, but a later one may run after an earlier one's first fetch has answered: the
// state events (classes, progress) are kept and handed to a listener that subscribes late.

const STATE = new Set(["classes", "progress"]);
const last = new Map();

export function emit(name, detail = null) {
  if (STATE.has(name)) last.set(name, detail);
  window.dispatchEvent(new CustomEvent(`posedeck:${name}`, { detail }));
}

export function on(name, fn) {
  window.addEventListener(`posedeck:${name}`, (ev) => fn(ev.detail));
  if (last.has(name)) fn(last.get(name));
}
