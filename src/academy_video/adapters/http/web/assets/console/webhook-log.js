// One subscription's recent deliveries (every attempt: when, which type, the status code, how
// long, the outcome, the start of the answer as plain text), its test ping and its replay of a
// time range. The log is polled while it is open and the page visible: every second while a ping
// just sent has not shown yet, every 10 s otherwise.

import { api, formatTime, h } from "../api.js";
import { clearError, showError } from "./alerts.js";
import { $ } from "./state.js";
import { badge, emptyRow } from "./widgets.js";

const LOG_LIMIT = 50;
const AWAIT_POLL_MS = 1000;
const IDLE_POLL_MS = 10000;
const COLUMNS = 6;
const OUTCOMES = { delivered: "st-ready", retrying: "sev-warn", failed: "st-failed" };

const log = { subscription: null, gen: 0, timer: 0, inflight: false, awaiting: null };

function stopPolling() {
  clearTimeout(log.timer);
  log.timer = 0;
}

// ``subscriptionId``: close only if that one is open (it was deleted); none: whichever is open.
export function closeLog(subscriptionId) {
  if (subscriptionId && (!log.subscription || log.subscription.id !== subscriptionId)) return;
  stopPolling();
  log.subscription = null;
  log.awaiting = null;
  log.gen += 1;
  const slot = $("#webhook-log-slot");
  if (slot) slot.replaceChildren();
}

export function openLog(subscription, { awaiting = null } = {}) {
  stopPolling();
  log.subscription = subscription;
  log.awaiting = awaiting;
  log.gen += 1;
  const slot = $("#webhook-log-slot");
  if (!slot) return;
  slot.replaceChildren(
    h(
      "section",
      { id: "webhook-log", className: "card detail", dataset: { webhookId: subscription.id } },
      h(
        "div",
        { className: "card-head" },
        h("h3", {}, "Deliveries to ", h("span", { className: "mono", id: "webhook-log-url" }, subscription.url)),
        h(
          "span",
          {},
          h("button", { type: "button", id: "webhook-log-refresh", className: "small", onclick: refreshLog }, "Refresh"),
          " ",
          h("button", { type: "button", id: "webhook-log-close", className: "small", onclick: () => closeLog() }, "Close"),
        ),
      ),
      replayForm(subscription),
      h(
        "div",
        { className: "table-scroll" },
        h(
          "table",
          { id: "deliveries", className: "deliveries" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, "Time"),
              h("th", {}, "Type"),
              h("th", { className: "num" }, "Status"),
              h("th", { className: "num" }, "Duration"),
              h("th", {}, "Outcome"),
              h("th", {}, "Response"),
            ),
          ),
          h("tbody", { id: "deliveries-body" }, emptyRow(COLUMNS, "Loading…")),
        ),
      ),
    ),
  );
  $("#webhook-log").scrollIntoView({ behavior: "smooth", block: "start" });
  refreshLog();
}

export async function sendPing(subscription) {
  try {
    const queued = await api("POST", `/webhooks/${subscription.id}/test`);
    clearError();
    openLog(subscription, { awaiting: queued.delivery_id });
  } catch (err) {
    showError(err);
  }
}

async function refreshLog() {
  stopPolling();
  const subscription = log.subscription;
  if (!subscription || !$("#deliveries-body")) return;
  if (log.inflight) return; // the one in flight schedules the next
  log.inflight = true;
  const gen = log.gen;
  try {
    const attempts = await api("GET", `/webhooks/${subscription.id}/deliveries?limit=${LOG_LIMIT}`);
    if (gen === log.gen) renderAttempts(attempts);
  } catch (err) {
    if (gen === log.gen) showError(err);
  } finally {
    log.inflight = false;
    if (gen !== log.gen) refreshLog(); // another subscription was opened meanwhile
    else schedulePoll();
  }
}

function schedulePoll() {
  stopPolling();
  if (log.subscription && document.visibilityState === "visible" && $("#deliveries-body")) {
    log.timer = setTimeout(refreshLog, log.awaiting === null ? IDLE_POLL_MS : AWAIT_POLL_MS);
  }
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") refreshLog();
  else stopPolling();
});

function attemptRow(a) {
  const kind = OUTCOMES[a.outcome] || "";
  return h(
    "tr",
    { className: "delivery", dataset: { deliveryId: a.delivery_id, outcome: a.outcome } },
    h("td", { className: "nowrap small-text" }, formatTime(a.at)),
    h("td", { className: "mono type", title: a.message_id }, a.type),
    h("td", { className: "num status-code" }, a.status_code === null ? "—" : String(a.status_code)),
    h("td", { className: "num duration" }, `${a.duration_ms} ms`),
    h("td", { className: "outcome" }, badge(a.outcome, kind)),
    h(
      "td",
      { className: "answer" },
      a.error ? h("div", { className: "error small-text attempt-error" }, a.error) : null,
      a.response ? h("pre", { className: "response mono" }, a.response) : null,
    ),
  );
}

function renderAttempts(attempts) {
  const body = $("#deliveries-body");
  if (!body) return;
  if (log.awaiting !== null && attempts.some((a) => a.delivery_id === log.awaiting)) log.awaiting = null;
  if (!attempts.length) {
    const text = log.awaiting === null ? "No deliveries yet." : "The test ping is queued…";
    body.replaceChildren(emptyRow(COLUMNS, text));
    return;
  }
  body.replaceChildren(...attempts.map(attemptRow));
}

// A datetime-local input's value for a moment, in the browser's time zone.
function localInput(date) {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function replayForm(subscription) {
  const since = h("input", {
    type: "datetime-local",
    id: "replay-since",
    required: true,
    value: localInput(new Date(Date.now() - 24 * 3600_000)),
  });
  const until = h("input", { type: "datetime-local", id: "replay-until" });
  return h(
    "form",
    { id: "replay-form", className: "filters replay", onsubmit: (event) => replay(event, subscription) },
    h("span", { className: "edit-label" }, "Replay"),
    h("label", { className: "field inline" }, h("span", {}, "Since"), since),
    h("label", { className: "field inline" }, h("span", {}, "Until"), until),
    h("button", { type: "submit", id: "replay-submit", className: "small" }, "Send again"),
    h("span", { id: "replay-result", className: "muted", "aria-live": "polite" }),
    h("span", { className: "muted small-text" }, "Until left empty: now. What the subscription's types saw in that range is sent again."),
  );
}

async function replay(event, subscription) {
  event.preventDefault();
  const result = $("#replay-result");
  const since = $("#replay-since").value;
  const until = $("#replay-until").value;
  if (!since) return;
  const query = new URLSearchParams({ since: new Date(since).toISOString() });
  if (until) query.set("until", new Date(until).toISOString());
  try {
    const answer = await api("POST", `/webhooks/${subscription.id}/replay?${query}`);
    clearError();
    result.className = "muted";
    result.textContent = `${answer.queued} ${answer.queued === 1 ? "delivery" : "deliveries"} queued.`;
    refreshLog();
  } catch (err) {
    result.className = "error";
    result.textContent = "Not replayed.";
    showError(err);
  }
}
