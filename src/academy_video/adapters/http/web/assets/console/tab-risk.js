// Risk: the students ranked by their playback events' score over a range, a student's events
// on a click, and the CSV export of the range.

import { api, download, formatTime, h } from "../api.js";
import { describe, showError } from "./alerts.js";
import { eventsTable } from "./events-table.js";
import { eventFilters, rangeSelect } from "./filters.js";
import { $$ } from "./state.js";
import { fresh, inTab } from "./tab-panel.js";
import { badge, pressable } from "./widgets.js";

let riskRange = null; // until chosen: the server's default for the risk ranking

export function loadRisk(video, gen, panel, reopen) {
  inTab(gen, panel, async () => {
    const filters = await eventFilters(); // asked once per page
    riskRange ??= filters.default_ranges.risk;
    const rows = await api("GET", `/video-playback-events/risk/?video=${video.id}&limit=20&range=${riskRange}`);
    const select = rangeSelect("risk-range", filters.ranges, riskRange, () => {
      riskRange = select.value;
      reopen();
    });
    const exportButton = h(
      "button",
      {
        type: "button",
        id: "export-csv",
        onclick: async () => {
          try {
            await download(`/video-playback-events/export/?video=${video.id}&range=${riskRange}`, `video-${video.id}-events.csv`);
          } catch (err) {
            showError(err);
          }
        },
      },
      "Export CSV",
    );
    const events = h("div", { id: "risk-events", className: "risk-events" }, h("p", { className: "muted" }, "Select a student to see their events."));
    const list = h(
      "ol",
      { id: "risk-list", className: "risk-list" },
      rows.map((r) => {
        const li = h(
          "li",
          {
            className: "risk-row",
            dataset: { enrollmentId: r.enrollment_id },
            ...pressable(() => pick()),
          },
          h("span", { className: "name" }, r.student_name),
          h("span", { className: "score", title: "Risk score" }, String(r.score)),
          h(
            "span",
            { className: "counts" },
            badge(`${r.danger} danger`, "sev-danger"),
            badge(`${r.warn} warn`, "sev-warn"),
            badge(`${r.info} info`, "sev-info"),
          ),
          h("span", { className: "muted when" }, r.last_occurred_at ? formatTime(r.last_occurred_at) : "—"),
        );
        async function pick() {
          for (const other of $$("li.risk-row", list)) other.classList.toggle("active", other === li);
          events.replaceChildren(h("p", { className: "muted" }, "Loading…"));
          try {
            const rowsOf = await api(
              "GET",
              `/video-playback-events/?video=${video.id}&enrollment=${r.enrollment_id}&range=${riskRange}&limit=200`,
            );
            if (!fresh(gen) || !li.classList.contains("active")) return;
            events.replaceChildren(
              h("h4", {}, `Events of ${r.student_name}`, h("span", { className: "muted" }, ` · ${rowsOf.length} newest first`)),
              eventsTable(rowsOf, false),
            );
          } catch (err) {
            if (!fresh(gen) || !li.classList.contains("active")) return; // a newer pick won
            events.replaceChildren(h("p", { className: "error" }, describe(err)));
            showError(err);
          }
        }
        return li;
      }),
    );
    return [
      h(
        "div",
        { className: "toolbar" },
        h("label", { className: "field inline" }, h("span", {}, "Range"), select),
        h("span", { className: "spacer" }),
        exportButton,
      ),
      rows.length ? list : [h("p", { className: "muted" }, "No playback events in this range."), list],
      events,
    ].flat();
  });
}
