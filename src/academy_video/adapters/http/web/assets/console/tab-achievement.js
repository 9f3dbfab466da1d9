// Achievement: the students attending ONLINE, their progress and status, with the totals.

import { api, h } from "../api.js";
import { inTab } from "./tab-panel.js";
import { badge, emptyRow, longDuration, percent, tile } from "./widgets.js";

export function loadAchievement(video, gen, panel) {
  inTab(gen, panel, async () => {
    const data = await api("GET", `/videos/${video.id}/achievement/`);
    const s = data.summary;
    const rows = data.students.map((st) =>
      h(
        "tr",
        { className: "achievement-row", dataset: { enrollmentId: st.enrollment } },
        h("td", {}, st.student_name),
        h(
          "td",
          { className: "progress-cell" },
          h("progress", { max: 100, value: Number(st.progress) || 0 }),
          h("span", { className: "pct" }, percent(st.progress, 1)),
        ),
        h("td", {}, st.completed ? "Yes" : "No"),
        h("td", { className: "num" }, longDuration(st.watched_seconds)),
        h("td", {}, badge(st.status, `ach-${st.status}`)),
      ),
    );
    return [
      h(
        "div",
        { id: "achievement-summary", className: "tiles" },
        tile("Students online", String(s.total_students)),
        tile("Average progress", percent(s.avg_progress, 1)),
        tile("Completed", percent(s.completed_rate, 1)),
        tile("Not completed", String(s.incomplete_count)),
      ),
      h(
        "table",
        { id: "achievement", className: "achievement" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "Student"),
            h("th", {}, "Progress"),
            h("th", {}, "Completed"),
            h("th", { className: "num" }, "Watched"),
            h("th", {}, "Status"),
          ),
        ),
        h("tbody", {}, rows.length ? rows : emptyRow(5, "No students attend this session ONLINE.")),
      ),
      h("p", { className: "muted small-text" }, "Students attending ONLINE. completed ≥ 95%, warning ≥ 50%, else danger."),
    ];
  });
}
