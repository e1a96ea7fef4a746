// "Saved by bob, 2 min ago": who stored the image's current labels and when (the annotation's updated_by and
// updated_at), refreshed every 30 s so the age stays true.

/** "just now", "1 min ago", "5 min ago", "3 h ago", "2 days ago" for `seconds` in the past. */
export function ago(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 45) return "just now";
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.round(s / 3600);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

/**
 * The sentence for an annotation body ({version, updated_by, updated_at}); `me` is the viewer's username
 * (shown as "you"); `now` in ms. Version 0 (never saved) says so.
 */
export function savedByText(ann, me, now = Date.now()) {
  if (!ann || !ann.version) return "Not saved by anyone yet";
  const who = !ann.updated_by ? "an import or a system job" : ann.updated_by === me ? "you" : ann.updated_by;
  const when = ann.updated_at ? `, ${ago((now - Date.parse(ann.updated_at)) / 1000)}` : "";
  return `Saved by ${who}${when}`;
}

/** Keeps `node` showing the latest annotation body given to `show`. */
export function createSavedBy(node, me) {
  let last = null;
  const render = () => {
    node.textContent = savedByText(last, me);
    node.dataset.by = (last && last.updated_by) || "";
  };
  setInterval(render, 30000);
  return { show(ann) { last = ann; render(); } };
}
