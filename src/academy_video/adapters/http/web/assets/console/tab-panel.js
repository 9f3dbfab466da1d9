// What every tab's loader shares: its answer shown only while the tab is still the one open.

import { h } from "../api.js";
import { describe, showError } from "./alerts.js";
import { state } from "./state.js";

// Runs a tab's loader body; drops its result when the user has moved on, shows errors inline.
export async function inTab(gen, panel, work) {
  try {
    const content = await work();
    if (gen !== state.tabGen || !content) return;
    panel.replaceChildren(...[content].flat());
  } catch (err) {
    if (gen !== state.tabGen) return;
    panel.replaceChildren(h("p", { className: "error" }, `Could not load: ${describe(err)}`));
    showError(err);
  }
}

export function fresh(gen) {
  return gen === state.tabGen;
}
