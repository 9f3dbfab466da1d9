// Audit (admin only): every stored event of the video in order, and the video as it was after
// the one picked.

import { api, formatTime, h } from "../api.js";
import { describe, showError } from "./alerts.js";
import { $$, state } from "./state.js";
import { fresh, inTab } from "./tab-panel.js";
import { compactJson, pressable } from "./widgets.js";

function shortType(type) {
  return String(type).split(".").pop();
}

function auditValue(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return compactJson(value);
  return String(value);
}

export function loadAudit(video, gen, panel) {
  if (!state.me || state.me.role !== "admin") {
    panel.replaceChildren(
      h(
        "p",
        { id: "audit-denied", className: "notice" },
        "The audit trail is for auditors only (admin role). Your role is ",
        state.me ? state.me.role : "unknown",
        ".",
      ),
    );
    return;
  }
  inTab(gen, panel, async () => {
    const events = await api("GET", `/audit/videos/${video.id}/events`);
    const stateBox = h(
      "div",
      { id: "audit-state-box", className: "audit-state" },
      h("p", { className: "muted" }, "Select an event to see the video as it was after it."),
    );
    const timeline = h(
      "ol",
      { id: "audit-timeline", className: "timeline" },
      events.map((e) => {
        const entries = Object.entries(e.data || {}).filter(([k]) => k !== "tenant" && k !== "originator_topic");
        const li = h(
          "li",
          {
            className: "audit-event",
            dataset: { version: e.version },
            ...pressable(() => pick()),
          },
          h(
            "div",
            { className: "audit-head" },
            h("span", { className: "version" }, `v${e.version}`),
            h("span", { className: "type", title: e.type }, shortType(e.type)),
            h("span", { className: "muted when" }, formatTime(e.timestamp)),
          ),
          entries.length
            ? h(
                "div",
                { className: "audit-data" },
                entries.slice(0, 5).map(([k, v]) =>
                  h("span", { className: "kv" }, h("span", { className: "k" }, k), " ", h("span", { className: "v" }, auditValue(v))),
                ),
                entries.length > 5 ? h("span", { className: "muted" }, `+${entries.length - 5} more`) : null,
              )
            : null,
        );
        async function pick() {
          for (const other of $$("li.audit-event", timeline)) other.classList.toggle("active", other === li);
          stateBox.replaceChildren(h("p", { className: "muted" }, "Loading…"));
          try {
            const snap = await api("GET", `/audit/videos/${video.id}/state?version=${e.version}`);
            if (!fresh(gen) || !li.classList.contains("active")) return;
            const rows = [
              ["version", snap.version],
              ["created_at", snap.created_at],
              ["updated_at", snap.updated_at],
              ...Object.entries(snap.state || {}),
            ];
            stateBox.replaceChildren(
              h("h4", {}, `State at version ${snap.version}`),
              h("dl", { id: "audit-state" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, auditValue(v))])),
            );
          } catch (err) {
            if (!fresh(gen) || !li.classList.contains("active")) return; // a newer pick won
            stateBox.replaceChildren(h("p", { className: "error" }, describe(err)));
            showError(err);
          }
        }
        return li;
      }),
    );
    return h(
      "div",
      { className: "audit" },
      h("div", { className: "audit-col" }, events.length ? timeline : [h("p", { className: "muted" }, "No events."), timeline]),
      stateBox,
    );
  });
}
