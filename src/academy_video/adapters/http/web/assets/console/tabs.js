// The open video's tabs: which there are, the tab bar (arrow keys move along it), and switching.
// A loader is called as loader(video, gen, panel, reopen): reopen() loads the tab again (a new
// range chosen), gen tells its answers from those of a view the user has left.

import { h } from "../api.js";
import { $, $$, state } from "./state.js";
import { loadAchievement } from "./tab-achievement.js";
import { loadAudit } from "./tab-audit.js";
import { loadCaptions } from "./tab-captions.js";
import { loadEvents } from "./tab-events.js";
import { loadRisk } from "./tab-risk.js";
import { loadStudents } from "./tab-students.js";
import { loadSummary } from "./tab-summary.js";

const TABS = [
  ["students", "Students & permissions", loadStudents],
  ["achievement", "Achievement", loadAchievement],
  ["summary", "Summary", loadSummary],
  ["risk", "Risk", loadRisk],
  ["events", "Events", loadEvents],
  ["captions", "Captions", loadCaptions],
  ["audit", "Audit", loadAudit],
];
const LOADERS = Object.fromEntries(TABS.map(([key, , loader]) => [key, loader]));

export function tabBar() {
  return [
    h(
      "div",
      { className: "tabs", role: "tablist", "aria-label": "Video details", onkeydown: tabKeys },
      TABS.map(([key, label]) =>
        h(
          "button",
          {
            type: "button",
            id: `tab-${key}`,
            className: "tab",
            role: "tab",
            "aria-controls": "tab-panel",
            dataset: { tab: key },
            onclick: () => showTab(key),
          },
          label,
        ),
      ),
    ),
    h("div", { id: "tab-panel", className: "tab-panel", role: "tabpanel", tabindex: 0 }),
  ];
}

export function showTab(key) {
  state.tab = key;
  state.tabGen += 1;
  for (const tab of $$(".tabs .tab")) {
    const selected = tab.dataset.tab === key;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    tab.classList.toggle("active", selected);
  }
  const panel = $("#tab-panel");
  panel.setAttribute("aria-labelledby", `tab-${key}`);
  panel.replaceChildren(h("p", { className: "muted" }, "Loading…"));
  LOADERS[key](state.video, state.tabGen, panel, () => showTab(key));
}

function tabKeys(event) {
  if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
  const keys = TABS.map(([key]) => key);
  const step = event.key === "ArrowRight" ? 1 : -1;
  const next = keys[(keys.indexOf(state.tab) + step + keys.length) % keys.length];
  showTab(next);
  $(`#tab-${next}`).focus();
}
