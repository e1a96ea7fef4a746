// What every key and button of the labeler does. The page passes in its actions; this module only maps
// shortcuts, buttons and form controls onto them.

import { LABELER_SHORTCUTS } from "./shortcuts.js";
import { listenForShortcuts } from "./stage.js";

export function bindLabelerControls(page) {
  const { store, stage, help } = page;
  const $ = (id) => document.getElementById(id);

  function run(action, key) {
    switch (action) {
      case "tool-box": page.setTool("box"); break;
      case "tool-select":
        if (key === "escape") {
          if (help.hide() || stage.cancelGesture()) return;
          if (store.selection) { store.select(null); return; }
        }
        page.setTool("select");
        break;
      case "tool-pan": page.setTool("pan"); break;
      case "cycle-visibility": page.cycleVisibility(); break;
      case "delete": {
        const uid = page.selectedUid();
        if (uid != null) { store.dispatch({ type: "deleteInstance", uid }); store.select(null); }
        break;
      }
      case "mirror": {
        const uid = page.selectedUid();
        if (uid != null) store.dispatch({ type: "mirrorInstance", uid });
        else page.notify("Select an instance to mirror.");
        break;
      }
      case "class": {
        const c = page.classList()[Number(key) - 1];
        if (c) page.chooseClass(c.id);
        break;
      }
      case "select-next": page.selectStep(1); break;
      case "select-previous": page.selectStep(-1); break;
      case "undo": store.undo(); break;
      case "redo": store.redo(); break;
      case "next-image": page.go("next"); break;
      case "previous-image": page.go("previous"); break;
      case "next-unlabelled": page.go("next-unlabelled"); break;
      case "copy-previous": page.copyPrevious(); break;
      case "accept-all": page.acceptAll(); break;
      case "accept-selected": page.acceptSelected(); break;
      case "next-review": page.go("next-review"); break;
      case "no-objects": page.toggleNoObjects(); break;
      case "fit": stage.fit(); break;
      case "zoom-in": stage.zoomBy(1.25); break;
      case "zoom-out": stage.zoomBy(0.8); break;
      case "help": help.toggle(); break;
      default: break;
    }
  }

  listenForShortcuts(LABELER_SHORTCUTS, run, { escapeLeavesField: true });

  document.querySelectorAll("[data-tool]").forEach((b) => b.addEventListener("click", () => page.setTool(b.dataset.tool)));
  $("btn-undo").addEventListener("click", () => store.undo());
  $("btn-redo").addEventListener("click", () => store.redo());
  $("btn-delete").addEventListener("click", () => run("delete"));
  $("btn-mirror").addEventListener("click", () => run("mirror"));
  $("btn-visibility").addEventListener("click", () => run("cycle-visibility"));
  $("btn-copy-prev").addEventListener("click", () => page.copyPrevious());
  $("btn-prev").addEventListener("click", () => page.go("previous"));
  $("btn-next").addEventListener("click", () => page.go("next"));
  $("btn-next-unlabelled").addEventListener("click", () => page.go("next-unlabelled"));
  $("btn-help").addEventListener("click", () => help.toggle());
  $("btn-accept-all").addEventListener("click", () => page.acceptAll());
  $("btn-next-review").addEventListener("click", () => page.go("next-review"));
  $("btn-fit").addEventListener("click", () => stage.fit());
  $("no-objects").addEventListener("change", (ev) => { page.toggleNoObjects(ev.target.checked); ev.target.blur(); });
  $("class-select").addEventListener("change", (ev) => { page.chooseClass(Number(ev.target.value)); ev.target.blur(); });
  $("conflict-reload").addEventListener("click", () => page.resolveConflict(false));
  $("conflict-overwrite").addEventListener("click", () => page.resolveConflict(true));

  // A pointer click on a toolbar button must not leave it focused: Space or Enter would press it again.
  document.querySelectorAll(".lb-toolbar button, .lb-side button").forEach((b) => b.addEventListener("click", (ev) => {
    if (ev.detail > 0) b.blur();
  }));
  return run;
}
