import assert from "node:assert/strict";
import { test } from "node:test";

import { Autosaver, clearJournal, readJournal, writeJournal } from "../static/labeling/autosave.js";

/** Manual timers: tests advance time by running what is due. */
function fakeTimers() {
  let now = 0, seq = 0;
  const due = new Map();
  return {
    set(fn, ms) { const id = ++seq; due.set(id, [now + ms, fn]); return id; },
    clear(id) { due.delete(id); },
    async advance(ms) {
      now += ms;
      for (const [id, [at, fn]] of [...due]) if (at <= now) { due.delete(id); fn(); }
      await new Promise((r) => setTimeout(r, 0));
    },
    get pending() { return due.size; },
  };
}

function server(initialVersion = 0) {
  const calls = [];
  let version = initialVersion;
  return {
    calls,
    bump() { version += 1; },
    async save(payload, v) {
      calls.push({ payload, v });
      if (v !== version) throw { status: 409, body: { error: "version_conflict", message: "changed elsewhere", current_version: version } };
      version += 1;
      return { version, ...payload };
    },
  };
}

test("edits are debounced into one save with the version read", async () => {
  const timers = fakeTimers(), srv = server(3), states = [];
  let n = 0;
  const saver = new Autosaver({ version: 3, save: srv.save, getPayload: () => ({ n }), timers, onState: (s) => states.push(s) });
  n = 1; saver.changed();
  await timers.advance(200);
  n = 2; saver.changed();
  await timers.advance(499);
  assert.equal(srv.calls.length, 0);
  await timers.advance(1);
  await saver.flush();
  assert.deepEqual(srv.calls, [{ payload: { n: 2 }, v: 3 }]);
  assert.equal(saver.version, 4);
  assert.equal(saver.state, "saved");
  assert.deepEqual(states, ["dirty", "dirty", "saving", "saved"]);
});

test("an edit during a save is saved right after it, with the new version", async () => {
  const timers = fakeTimers(), srv = server(0);
  let n = 0;
  const saver = new Autosaver({ version: 0, save: srv.save, getPayload: () => ({ n }), timers });
  n = 1; saver.changed();
  await timers.advance(500);
  n = 2; saver.changed(); // while the first request is in flight
  await saver.flush();
  assert.deepEqual(srv.calls.map((c) => [c.payload.n, c.v]), [[1, 0], [2, 1]]);
  assert.equal(saver.state, "saved");
});

test("a 409 shows the conflict, stops saving and keeps the edits until the person chooses", async () => {
  const timers = fakeTimers(), srv = server(0);
  const saver = new Autosaver({ version: 0, save: srv.save, getPayload: () => ({ mine: true }), timers });
  srv.bump(); // someone else saved version 1
  saver.changed();
  await saver.flush();
  assert.equal(saver.state, "conflict");
  assert.equal(saver.conflict.currentVersion, 1);
  assert.ok(saver.pending, "the edits are still unsaved, not dropped");
  saver.changed();
  await timers.advance(5000);
  assert.equal(srv.calls.length, 1, "no retries into the conflict");
  await saver.overwrite(1);
  assert.equal(saver.state, "saved");
  assert.equal(saver.version, 2);
});

test("network errors are retried; flush reports the state", async () => {
  const timers = fakeTimers();
  let fail = true;
  const saver = new Autosaver({
    version: 0, getPayload: () => ({}), timers, retryDelay: 1000,
    save: async () => { if (fail) throw { status: 0, message: "offline" }; return { version: 1 }; },
  });
  saver.changed();
  assert.equal(await saver.flush(), "error");
  fail = false;
  await timers.advance(1000);
  await saver.flush();
  assert.equal(saver.state, "saved");
});

test("the journal keeps unsaved edits across reloads", () => {
  const mem = new Map();
  const storage = { getItem: (k) => mem.get(k) ?? null, setItem: (k, v) => mem.set(k, v), removeItem: (k) => mem.delete(k) };
  assert.equal(readJournal(storage, 5), null);
  writeJournal(storage, 5, { version: 2, payload: { instances: [] } });
  assert.equal(readJournal(storage, 5).version, 2);
  clearJournal(storage, 5);
  assert.equal(readJournal(storage, 5), null);
  const full = { getItem: () => null, setItem: () => { throw new Error("quota"); }, removeItem: () => {} };
  assert.equal(writeJournal(full, 1, {}), false);
});
