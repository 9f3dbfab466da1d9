// Summary: completion, watched time and the riskiest students over a chosen range.

import { api, h } from "../api.js";
import { eventFilters, rangeSelect } from "./filters.js";
import { inTab } from "./tab-panel.js";
import { badge, longDuration, percent, tile } from "./widgets.js";

let summaryRange = null; // until chosen: the server's default for the summary

export function loadSummary(video, gen, panel, reopen) {
  inTab(gen, panel, async () => {
    const filters = await eventFilters(); // asked once per page
    summaryRange ??= filters.default_ranges.summary;
    const data = await api("GET", `/videos/${video.id}/summary/?range=${summaryRange}`);
    const select = rangeSelect("summary-range", filters.ranges, summaryRange, () => {
      summaryRange = select.value;
      reopen();
    });
    const risk = data.risk_top.map((r) =>
      h(
        "li",
        { className: "risk-top-row", dataset: { enrollmentId: r.enrollment } },
        h("span", { className: "name" }, r.student_name),
        badge(`score ${r.score}`, r.score > 0 ? "sev-warn" : "sev-info"),
      ),
    );
    return [
      h("div", { className: "toolbar" }, h("label", { className: "field inline" }, h("span", {}, "Range"), select)),
      h(
        "div",
        { id: "summary", className: "tiles" },
        tile("Completion rate", percent((Number(data.completion_rate) || 0) * 100, 1), "summary-completion"),
        tile("Completed", `${data.completed_count} / ${data.total_students}`),
        tile("Watched (estimate)", longDuration(data.watched_seconds_est), "summary-watched"),
      ),
      h("h4", {}, "Riskiest students"),
      risk.length
        ? h("ol", { id: "summary-risk-top", className: "risk-top" }, risk)
        : h("p", { className: "muted" }, "No risky playback in this range."),
    ];
  });
}
