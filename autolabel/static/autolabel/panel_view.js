// Pure helpers of the autolabel panel (node --test runs them).

export function percent(share) {
  return share == null ? "–" : `${(100 * share).toFixed(1)} %`;
}

/** One line for a job: "Autolabel (upload) · running · 12 of 250 images · 9 with suggestions · v2". */
export function jobLine(job) {
  const what = job.kind === "evaluate" ? "Evaluate" : `Autolabel${job.trigger === "upload" ? " (new uploads)" : ""}`;
  const parts = [what, job.status, `${job.done} of ${job.total} images`];
  if (job.kind !== "evaluate") parts.push(`${job.suggested} with suggestions`);
  if (job.deployment_name) parts.push(`${job.deployment_name}${job.version ? ` v${job.version}` : ""}`);
  return parts.join(" · ");
}

/** Rows of the mapping editor: each template point with the model point it comes from (null: absent); a
 * stored name the chosen model class does not have shows as absent. */
export function mappingRows(template, mapping, modelNames) {
  const known = new Set(modelNames);
  return template.map((name, index) => {
    const model = mapping[index] ?? null;
    return { index, template: name, model: model !== null && known.has(model) ? model : null };
  });
}
