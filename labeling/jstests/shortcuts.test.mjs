import assert from "node:assert/strict";
import { test } from "node:test";

import { LABELER_SHORTCUTS, TEMPLATE_SHORTCUTS, comboOf, keyLabel, matchShortcut } from "../static/labeling/shortcuts.js";

const key = (k, mods = {}) => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

test("combos are canonical", () => {
  assert.equal(comboOf(key("Z", { ctrlKey: true, shiftKey: true })), "ctrl+shift+z");
  assert.equal(comboOf(key("z", { metaKey: true })), "ctrl+z");
  assert.equal(comboOf(key("?", { shiftKey: true })), "?");
  assert.equal(comboOf(key(" ")), "space");
  assert.equal(comboOf(key("Tab", { shiftKey: true })), "shift+tab");
});

test("labeler keys map to their actions", () => {
  const act = (k, m) => (matchShortcut(LABELER_SHORTCUTS, key(k, m)) || {}).action;
  assert.equal(act("z", { ctrlKey: true }), "undo");
  assert.equal(act("Z", { ctrlKey: true, shiftKey: true }), "redo");
  assert.equal(act("v"), "cycle-visibility");
  assert.equal(act("ArrowRight"), "next-image");
  assert.equal(act("3"), "class");
  assert.equal(act("?", { shiftKey: true }), "help");
  assert.equal(act("q"), undefined);
});

test("no key is bound twice within a page", () => {
  for (const table of [LABELER_SHORTCUTS, TEMPLATE_SHORTCUTS]) {
    const keys = table.flatMap((r) => r.keys);
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(table.every((r) => r.help && r.action));
  }
});

test("labels are readable", () => {
  assert.equal(keyLabel("ctrl+shift+z"), "Ctrl+Shift+Z");
  assert.equal(keyLabel("delete"), "Del");
  assert.equal(keyLabel("+"), "+");
});
