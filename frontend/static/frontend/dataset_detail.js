import { api } from "./api.js";

const root = document.getElementById("dataset");
const datasetId = Number(root.dataset.id);
const grid = document.getElementById("images");
const progress = document.getElementById("progress");
const filter = document.getElementById("filter");
const pager = document.getElementById("pager");
const upload = document.getElementById("upload");
const uploadLog = document.getElementById("upload-log");
let page = 1;

async function loadProgress() {
  const p = await api(`/api/v1/datasets/${datasetId}/progress/`);
  progress.textContent = p.text;
}

async function loadImages() {
  const q = new URLSearchParams({ page, page_size: 48 });
  if (filter.value) q.set("labelled", filter.value);
  const data = await api(`/api/v1/datasets/${datasetId}/images/?${q}`);
  grid.replaceChildren(...data.results.map((img) => {
    const a = document.createElement("a");
    a.className = "thumb";
    a.href = `/datasets/${datasetId}/label/${img.id}/`;
    a.innerHTML = `<img loading="lazy" alt=""><div class="meta"><span class="name"></span><span class="badge"></span></div>`;
    a.querySelector("img").src = img.thumbnail_url;
    a.querySelector(".name").textContent = img.original_name;
    const badge = a.querySelector(".badge");
    badge.textContent = img.labelled ? "labelled" : "unlabelled";
    if (img.labelled) badge.classList.add("done");
    return a;
  }));
  pager.textContent = `page ${page} of ${Math.max(1, Math.ceil(data.count / 48))}`;
  document.getElementById("prev").disabled = !data.previous;
  document.getElementById("next").disabled = !data.next;
}

filter.addEventListener("change", () => { page = 1; loadImages(); });
document.getElementById("prev").addEventListener("click", () => { page -= 1; loadImages(); });
document.getElementById("next").addEventListener("click", () => { page += 1; loadImages(); });
upload.addEventListener("change", async () => {
  const body = new FormData();
  for (const f of upload.files) body.append("files", f);
  uploadLog.textContent = "Uploading…";
  try {
    const r = await api(`/api/v1/datasets/${datasetId}/images/`, { method: "POST", body });
    uploadLog.textContent = `${r.created.length} added, ${r.duplicates.length} already present, ${r.errors.length} rejected`;
  } catch (err) {
    uploadLog.textContent = err.message;
  }
  upload.value = "";
  loadProgress();
  loadImages();
});

loadProgress();
loadImages();
