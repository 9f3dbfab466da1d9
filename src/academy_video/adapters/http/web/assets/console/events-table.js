// A table of playback events, as the Risk tab (one student's) and the Events tab show them.

import { formatTime, h } from "../api.js";
import { badge, compactJson, emptyRow } from "./widgets.js";

export function eventsTable(rows, withStudent) {
  const head = [
    "Occurred",
    ...(withStudent ? ["Student"] : []),
    "Event",
    "Violated",
    "Reason",
    "Severity",
    "Score",
    "Payload",
  ];
  return h(
    "div",
    { className: "table-scroll" },
    h(
      "table",
      { className: "events" },
      h("thead", {}, h("tr", {}, head.map((t) => h("th", {}, t)))),
      h(
        "tbody",
        {},
        rows.length
          ? rows.map((e) => {
              const payload = compactJson(e.event_payload ?? e.payload);
              return h(
                "tr",
                { className: e.violated ? "event violated" : "event" },
                h(
                  "td",
                  {
                    className: "nowrap",
                    // The server's time; the player's own clock, on hover.
                    title: e.client_occurred_at
                      ? `Player's time: ${formatTime(e.client_occurred_at)}`
                      : "",
                  },
                  formatTime(e.occurred_at),
                ),
                withStudent ? h("td", {}, e.student_name) : null,
                h("td", { className: "mono" }, e.event_type),
                h("td", {}, e.violated ? "Yes" : "No"),
                h("td", { className: "mono" }, e.violation_reason || ""),
                h("td", {}, badge(e.severity, `sev-${e.severity}`)),
                h("td", { className: "num" }, String(e.score)),
                h("td", { className: "mono payload", title: payload }, payload),
              );
            })
          : emptyRow(head.length, "No events."),
      ),
    ),
  );
}
