// Pan tool: any left-button drag pans the view (the stage does the panning for tools with `pans`).
// Space+drag and middle-button drag pan with every tool.

export function createPanTool() {
  return { name: "pan", pans: true, cursor: "grab", down: () => null };
}
