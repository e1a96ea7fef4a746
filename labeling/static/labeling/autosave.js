// Autosave with optimistic locking, conflicts, and a local journal so no edit is lost on reload or
// navigation. Pure: the Autosaver takes its save function and timers as arguments, so `node --test`
// exercises it without a browser or a server.

export const SAVE_STATES = {
  saved: "All changes saved",
  dirty: "Unsaved changes…",
  saving: "Saving…",
  conflict: "Conflict: this image was changed elsewhere",
  error: "Save failed",
};

/**
 * Debounced autosave of one document.
 *   save(payload, version) -> Promise<{version, ...}>, rejecting with {status, body} on HTTP errors
 *   getPayload() -> the body to send (read when the save starts, so it is always the newest)
 * States: saved, dirty (an edit waits for the debounce), saving, conflict (409: stops saving and
 * keeps the edits until the person chooses), error (retried on the next edit; network errors and
 * 5xx also after `retryDelay`).
 */
export class Autosaver {
  constructor({ version, save, getPayload, delay = 500, retryDelay = 3000, timers = null, onState = () => {}, onSaved = () => {} }) {
    this.version = version;
    this.save = save;
    this.getPayload = getPayload;
    this.delay = delay;
    this.retryDelay = retryDelay;
    this.timers = timers || { set: (fn, ms) => setTimeout(fn, ms), clear: (t) => clearTimeout(t) };
    this.onState = onState;
    this.onSaved = onSaved;
    this.state = "saved";
    this.message = "";
    this.dirty = false;
    this.inFlight = null;
    this.timer = null;
    this.conflict = null;
    this.stopped = false;
  }

  _setState(state, message = "") {
    this.state = state;
    this.message = message;
    this.onState(state, message, this);
  }

  _schedule(ms) {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => { this.timer = null; this._run(); }, ms);
  }

  /** Call after every committed edit. */
  changed() {
    if (this.stopped) return;
    this.dirty = true;
    if (this.state === "conflict") return; // keep showing the conflict; the edits stay on screen
    if (!this.inFlight) this._setState("dirty");
    this._schedule(this.delay);
  }

  /** True while something is not yet stored on the server. */
  get pending() {
    return this.dirty || this.inFlight !== null;
  }

  _run() {
    if (this.stopped || this.inFlight || !this.dirty || this.state === "conflict") return this.inFlight;
    this.dirty = false;
    const payload = this.getPayload();
    this._setState("saving");
    const request = Promise.resolve().then(() => this.save(payload, this.version));
    this.inFlight = request.then(
      (body) => {
        this.inFlight = null;
        this.version = body.version;
        this.onSaved(body, payload);
        if (this.dirty) {
          this._setState("dirty");
          this._schedule(this.delay);
        } else {
          this._setState("saved");
        }
      },
      (err) => {
        this.inFlight = null;
        this.dirty = true;
        const status = err && err.status;
        const body = (err && err.body) || {};
        if (status === 409) {
          this.conflict = { currentVersion: body.current_version ?? null, message: body.message || "" };
          this._setState("conflict", body.message || "");
          return;
        }
        this._setState("error", body.message || (err && err.message) || "network error");
        if (!status || status >= 500) this._schedule(this.retryDelay);
      },
    );
    return this.inFlight;
  }

  /** Save now (skipping the debounce) and wait; resolves to the final state. */
  async flush() {
    if (this.timer !== null) { this.timers.clear(this.timer); this.timer = null; }
    for (let i = 0; i < 5; i++) {
      if (this.inFlight) await this.inFlight;
      if (!this.dirty || this.state === "conflict" || this.stopped) break;
      await this._run();
      if (this.state === "error") break;
    }
    return this.state;
  }

  /** "Keep mine": write this document over the other version. */
  overwrite(currentVersion) {
    this.version = currentVersion;
    this.conflict = null;
    this.dirty = true;
    this._setState("dirty");
    return this.flush();
  }

  /** Stop for good (the page moved to another image or reloaded the server's version). */
  stop() {
    this.stopped = true;
    if (this.timer !== null) { this.timers.clear(this.timer); this.timer = null; }
  }
}

// ---------------------------------------------------------------- a local journal of unsaved edits

const PREFIX = "posedeck:labeler:unsaved:";

export function writeJournal(storage, imageId, entry) {
  try {
    storage.setItem(PREFIX + imageId, JSON.stringify({ ...entry, at: Date.now() }));
    return true;
  } catch {
    return false; // quota or private mode: the keepalive request is the other safety net
  }
}

export function readJournal(storage, imageId) {
  try {
    const raw = storage.getItem(PREFIX + imageId);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

export function clearJournal(storage, imageId) {
  try {
    storage.removeItem(PREFIX + imageId);
  } catch { /* nothing to do */ }
}
