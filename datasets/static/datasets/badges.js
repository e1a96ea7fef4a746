// What a thumbnail says about its image, and what a delete dialog says goes with it. Pure (no DOM):
// `node --test datasets/jstests/` runs it.

// Plurals English does not make with -s/-es/-ies; words that stay the same are listed with themselves.
const IRREGULAR = {
  person: "people", man: "men", woman: "women", child: "children", foot: "feet", tooth: "teeth", goose: "geese",
  mouse: "mice", louse: "lice", ox: "oxen", leaf: "leaves", knife: "knives", wolf: "wolves", calf: "calves",
  half: "halves", shelf: "shelves", life: "lives", wife: "wives", thief: "thieves", hoof: "hooves",
  fish: "fish", sheep: "sheep", deer: "deer", moose: "moose", bison: "bison", salmon: "salmon", trout: "trout",
  species: "species", series: "series", aircraft: "aircraft", cattle: "cattle", people: "people",
};

function pluralWord(word) {
  const lower = word.toLowerCase();
  let out = IRREGULAR[lower];
  if (!out) {
    if (/(s|x|z|ch|sh)$/.test(lower)) out = `${lower}es`;
    else if (/[^aeiou]y$/.test(lower)) out = `${lower.slice(0, -1)}ies`;
    else out = `${lower}s`;
  }
  if (word === word.toUpperCase() && word.length > 1) return out.toUpperCase();
  if (word[0] === word[0].toUpperCase()) return out[0].toUpperCase() + out.slice(1);
  return out;
}

/**
 * "1 person", "2 people", "3 hard hats"; a name that is not plain words (digits, underscores, symbols:
 * `hand_left`, `kp3`, `RGB-D cam`) is not bent: "2 × hand_left".
 */
export function countOf(n, name) {
  const text = String(name).trim();
  if (!/^[A-Za-z]+( [A-Za-z]+)*$/.test(text)) return `${n} × ${text}`;
  if (n === 1) return `1 ${text}`;
  const words = text.split(" ");
  words[words.length - 1] = pluralWord(words[words.length - 1]);
  return `${n} ${words.join(" ")}`;
}

/** "1 image", "3 images" for the plain nouns of our own sentences. */
export function count(n, noun, nouns = `${noun}s`) {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/** A relative name split into its folders and its file name: "cam1/a.jpg" -> {folder: "cam1/", base: "a.jpg"}. */
export function splitName(name) {
  const text = String(name);
  const cut = text.lastIndexOf("/");
  return cut < 0 ? { folder: "", base: text } : { folder: text.slice(0, cut + 1), base: text.slice(cut + 1) };
}

/**
 * The badges of one image of the images API ({labelled, instance_count, class_counts, crowd_count}), in
 * this order: "unlabelled" | "no objects" | one per class ("2 people", in the order of `classNames`, a Map
 * of class id -> name), then "1 crowd region". Each is {text, kind}: kind is todo, empty, count or crowd.
 */
export function thumbBadges(image, classNames) {
  const crowd = image.crowd_count || 0;
  if (!image.labelled) return [{ text: "unlabelled", kind: "todo" }];
  const badges = [];
  if (!image.instance_count && !crowd) badges.push({ text: "no objects", kind: "empty" });
  const counts = new Map(Object.entries(image.class_counts || {}).map(([id, n]) => [Number(id), n]));
  for (const [id, name] of classNames) {
    if (counts.get(id)) badges.push({ text: countOf(counts.get(id), name), kind: "count" });
    counts.delete(id);
  }
  for (const [id, n] of counts) if (n) badges.push({ text: `${n} × class ${id}`, kind: "count" });
  if (crowd) badges.push({ text: count(crowd, "crowd region"), kind: "crowd" });
  return badges;
}

/** What deleting a dataset takes with it; `progress` is the progress API's answer. */
export function datasetDeleteText(name, progress) {
  const details = [
    `${count(progress.total, "image")} and their files`,
    `${count(progress.instances || 0, "labelled instance")} on ${count(progress.labelled, "labelled image")}`,
    "every class and its skeleton, the import/export history and its files",
  ];
  return {
    title: `Delete the dataset “${name}”?`,
    message: "This cannot be undone. Export it first if you may want the labels back. Training sessions and "
      + "their weights are kept.",
    details,
  };
}

/** What deleting one image takes with it. */
export function imageDeleteText(image, classNames) {
  const what = image.labelled
    ? (image.instance_count || image.crowd_count
      ? `Its labels go with it: ${thumbBadges(image, classNames).map((b) => b.text).join(", ")}.`
      : "It is marked “no objects”; that mark goes with it.")
    : "It has no labels yet.";
  return { title: `Delete “${image.original_name}”?`, message: `${what} This cannot be undone.`, details: [] };
}

/** The second question when a class is in use: `conflict` is the 409 answer ({instances, images}). */
export function classDeleteText(name, conflict) {
  if (!conflict) {
    return { title: `Delete the class “${name}”?`, message: "Its skeleton (keypoints, connections, pairs, sigmas) "
      + "is deleted. No image has labels of this class.", details: [] };
  }
  return {
    title: `Delete the class “${name}” and its labels?`,
    // The server counts instances and crowd regions of the class together.
    message: `${count(conflict.instances, "label")} of this class (instances and crowd regions) on `
      + `${count(conflict.images, "image")} go with it. The images and their other labels stay. This cannot be undone.`,
    details: [],
  };
}

/** "train 80 images (60 labelled, 140 instances) · val 20 images (…)" from the progress API's `splits`. */
export function splitText(splits) {
  const one = (name, s) => `${name}: ${count(s.images, "image")} (${s.labelled} labelled, ${count(s.instances, "instance")})`;
  return `${one("train", splits.train)} · ${one("val", splits.val)}`;
}
