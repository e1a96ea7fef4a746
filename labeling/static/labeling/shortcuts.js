// Keyboard shortcuts: one table per page, used both to dispatch keys and to draw the help overlay
// ("?"), so the two can never disagree. Pure: no DOM.

/** Canonical name of a key press: "ctrl+shift+z", "delete", "?", "1", "space", "arrowright". */
export function comboOf(ev) {
  let key = ev.key;
  if (key === " " || key === "Spacebar") key = "space";
  key = key.length === 1 ? key.toLowerCase() : key.toLowerCase();
  const parts = [];
  if (ev.ctrlKey || ev.metaKey) parts.push("ctrl");
  if (ev.altKey) parts.push("alt");
  // Shift is part of the combo for letters and named keys; for symbols ("?", "+") it is implied.
  if (ev.shiftKey && (/^[a-z0-9]$/.test(key) || key.length > 1)) parts.push("shift");
  parts.push(key);
  return parts.join("+");
}

export const LABELER_SHORTCUTS = [
  { keys: ["b"], action: "tool-box", help: "Box tool: drag a box; the class template appears scaled into it" },
  { keys: ["s", "escape"], action: "tool-select", help: "Select tool: click/drag instances, drag handles, drag points (Esc also cancels and deselects)" },
  { keys: ["h"], action: "tool-pan", help: "Pan tool (or hold Space and drag, or drag with the middle mouse button)" },
  { keys: ["v"], action: "cycle-visibility", help: "Cycle the point under the pointer (or the selected point): visible → occluded → absent (also: right-click a point)" },
  { keys: ["delete", "backspace"], action: "delete", help: "Delete the selected instance" },
  { keys: ["m"], action: "mirror", help: "Mirror the selected instance left/right (swaps flip pairs)" },
  { keys: ["1", "2", "3", "4", "5", "6", "7", "8", "9"], action: "class", help: "Choose class 1–9 (also changes the selected instance's class)" },
  { keys: ["tab"], action: "select-next", help: "Select the next instance" },
  { keys: ["shift+tab"], action: "select-previous", help: "Select the previous instance" },
  { keys: ["ctrl+z"], action: "undo", help: "Undo" },
  { keys: ["ctrl+shift+z", "ctrl+y"], action: "redo", help: "Redo" },
  { keys: ["d", "arrowright", "pagedown"], action: "next-image", help: "Next image (saves first)" },
  { keys: ["a", "arrowleft", "pageup"], action: "previous-image", help: "Previous image (saves first)" },
  { keys: ["n"], action: "next-unlabelled", help: "Next unlabelled image" },
  { keys: ["y"], action: "accept-all", help: "Accept all of the model's suggestions on this image as they are" },
  { keys: ["enter"], action: "accept-selected", help: "Accept the selected suggestion (Del rejects it; dragging one of its points accepts it as edited)" },
  { keys: ["r"], action: "next-review", help: "Next image to review: the one whose suggestions the model was least sure of" },
  { keys: ["c"], action: "copy-previous", help: "Copy the instances of the previous image into this one" },
  { keys: ["o"], action: "no-objects", help: "Toggle \"no objects in this image\"" },
  { keys: ["f", "0"], action: "fit", help: "Fit the image to the window (wheel zooms at the pointer)" },
  { keys: ["+", "="], action: "zoom-in", help: "Zoom in" },
  { keys: ["-"], action: "zoom-out", help: "Zoom out" },
  { keys: ["?"], action: "help", help: "Show or hide this help" },
];

export const TEMPLATE_SHORTCUTS = [
  { keys: ["k"], action: "tool-keypoint", help: "New keypoint tool: each click adds a point and asks its name (Enter keeps it)" },
  { keys: ["c"], action: "tool-connection", help: "New connection tool: click keypoint A, then keypoint B (colour from the connection picker)" },
  { keys: ["s", "escape"], action: "tool-select", help: "Move/select tool: drag points, click a point or connection to select it (Esc also cancels)" },
  { keys: ["h"], action: "tool-pan", help: "Pan tool (or hold Space and drag, or drag with the middle mouse button)" },
  { keys: ["delete", "backspace"], action: "delete", help: "Delete the selected keypoint or connection" },
  { keys: ["r"], action: "rename", help: "Rename the selected keypoint" },
  { keys: ["p"], action: "suggest-pairs", help: "Suggest left/right pairs from the names" },
  { keys: ["ctrl+z"], action: "undo", help: "Undo" },
  { keys: ["ctrl+shift+z", "ctrl+y"], action: "redo", help: "Redo" },
  { keys: ["ctrl+enter", "ctrl+s"], action: "confirm", help: "Confirm skeleton (save it as the class template)" },
  { keys: ["f", "0"], action: "fit", help: "Fit the image to the window (wheel zooms at the pointer)" },
  { keys: ["+", "="], action: "zoom-in", help: "Zoom in" },
  { keys: ["-"], action: "zoom-out", help: "Zoom out" },
  { keys: ["?"], action: "help", help: "Show or hide this help" },
];

/** {action, key} for a key event-like object, or null. */
export function matchShortcut(table, ev) {
  const combo = comboOf(ev);
  for (const row of table) {
    if (row.keys.includes(combo)) return { action: row.action, key: combo };
  }
  return null;
}

/** Human label of a combo: "Ctrl+Shift+Z", "Del", "Space". */
export function keyLabel(combo) {
  if (combo === "+") return "+";
  const names = { delete: "Del", backspace: "Backspace", escape: "Esc", arrowright: "→", arrowleft: "←",
                  pagedown: "PgDn", pageup: "PgUp", space: "Space", tab: "Tab", enter: "Enter" };
  return combo.split("+").map((p) => names[p] || (p === "ctrl" ? "Ctrl" : p === "shift" ? "Shift" : p === "alt" ? "Alt"
    : p.length === 1 ? p.toUpperCase() : p)).join("+");
}
