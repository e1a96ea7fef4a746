// The training dashboard's "Deploy" button: once the session has finished with weights, one click deploys its
// best.pt (ONNX engine, private) and opens the new deployment's playground; "options" opens the full form.
import { api } from "../frontend/api.js";
import { sessionDeploymentName } from "./forms.js";

const box = document.getElementById("deploy-box");
const id = Number(box.dataset.session);
const workspace = Number(box.dataset.workspace);
const button = document.getElementById("deploy");
const msg = document.getElementById("deploy-msg");
let session = null;

async function watch() {
  try {
    session = await api(`/api/v1/training-sessions/${id}/`);
  } catch {
    setTimeout(watch, 5000);
    return;
  }
  const ready = session.status === "completed" && Boolean(session.links && session.links.best_weights);
  box.hidden = !ready;
  if (!ready && !["failed", "cancelled"].includes(session.status)) setTimeout(watch, 5000);
}

button.addEventListener("click", async () => {
  button.disabled = true;
  msg.textContent = "Deploying…";
  try {
    const created = await api(`/api/v1/deployments/?workspace=${workspace}`, { method: "POST", json: {
      name: sessionDeploymentName(session), kind: "custom", training_session: id, weights: "best" } });
    window.location.href = `/deployments/${created.id}/playground/`;
  } catch (err) {
    msg.textContent = err.body && err.body.field ? `${err.body.field}: ${err.message}` : err.message;
    button.disabled = false;
  }
});

watch();
