// The page shell: the workspace switcher submits as soon as another workspace is picked.
const form = document.getElementById("ws-switch");
if (form) {
  form.elements.workspace.addEventListener("change", () => form.submit());
}
