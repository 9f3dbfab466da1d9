// The Webhooks page (admins): the tenant's subscriptions to the public events, each created with a
// signing secret shown once, enabled and disabled, its secret rotated, deleted; the open one's
// deliveries, test ping and replay are webhook-log.js's. Everything the API answers goes in as
// text (h()): a URL or a description is whatever was typed, by anyone who held an admin token.

import { api, formatTime, h } from "../api.js";
import { clearError, showError } from "./alerts.js";
import { closeDetail } from "./detail.js";
import { $, $$, state } from "./state.js";
import { renderWebhookAlerts } from "./webhook-alerts.js";
import { showSecret } from "./webhook-secret.js";
import { closeLog, openLog, sendPing } from "./webhook-log.js";
import { badge, emptyRow } from "./widgets.js";
import { forgetVideos } from "./videos.js";

// The public event types, in the catalogue's order (domain/webhook_catalogue.py: EVENT_TYPES;
// tests/http/test_web.py holds the two equal). webhook.ping is sent by "Send test" only.
export const EVENT_TYPES = [
  "video.uploaded",
  "video.ready",
  "video.failed",
  "video.deleted",
  "permission.changed",
  "progress.completed",
  "session.revoked",
  "session.ended",
];

const COLUMNS = 5;
const page = { subscriptions: [], gen: 0 };

export function openWebhooks() {
  forgetVideos();
  closeDetail();
  closeLog(); // a log left open on an earlier visit stops polling
  state.session = null;
  state.pendingVideo = null;
  history.replaceState(null, "", "#webhooks");
  for (const button of $$("button.session")) {
    button.classList.remove("active");
    button.removeAttribute("aria-current");
  }
  const nav = $("#nav-webhooks");
  if (nav) {
    nav.classList.add("active");
    nav.setAttribute("aria-current", "page");
  }
  $("#main").replaceChildren(
    h(
      "div",
      { id: "webhooks-page" },
      h(
        "header",
        { className: "session-head" },
        h("p", { className: "crumb muted" }, "Integrations"),
        h("h2", {}, "Webhooks"),
        h(
          "p",
          { className: "muted small-text" },
          "The academy's other systems are told what happens here: signed POSTs to their URLs, retried for about three days (docs/webhooks.md).",
        ),
      ),
      h("div", { id: "webhook-secret-slot" }),
      createCard(),
      h(
        "section",
        { className: "card" },
        h("div", { className: "card-head" }, h("h3", {}, "Subscriptions")),
        h(
          "table",
          { id: "webhooks", className: "webhooks" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, "URL"),
              h("th", {}, "Event types"),
              h("th", {}, "Status"),
              h("th", {}, "Created"),
              h("th", { className: "actions" }, ""),
            ),
          ),
          h("tbody", { id: "webhooks-body" }, emptyRow(COLUMNS, "Loading…")),
        ),
      ),
      h("div", { id: "webhook-log-slot" }),
    ),
  );
  loadSubscriptions();
}

function createCard() {
  const types = EVENT_TYPES.map((type) =>
    h(
      "label",
      { className: "chip" },
      h("input", { type: "checkbox", name: "webhook-type", value: type }),
      type,
    ),
  );
  return h(
    "section",
    { className: "card" },
    h("div", { className: "card-head" }, h("h3", {}, "New subscription")),
    h(
      "form",
      { id: "webhook-create", className: "upload-form", onsubmit: createSubscription },
      h(
        "div",
        { className: "upload-row" },
        h(
          "label",
          { className: "field grow" },
          h("span", {}, "URL"),
          h("input", {
            type: "text",
            id: "webhook-url",
            maxlength: 2048,
            required: true,
            placeholder: "https://lms.example.edu/hooks/video",
          }),
        ),
        h(
          "label",
          { className: "field grow" },
          h("span", {}, "Description"),
          h("input", { type: "text", id: "webhook-description", maxlength: 500, placeholder: "e.g. Attendance" }),
        ),
      ),
      h("fieldset", { id: "webhook-types", className: "chips" }, h("legend", {}, "Event types"), types),
      h(
        "div",
        { className: "upload-row policy" },
        h("label", { className: "check" }, h("input", { type: "checkbox", id: "webhook-enabled", checked: true }), " Enabled"),
        h("button", { type: "submit", id: "webhook-submit", className: "primary" }, "Create subscription"),
        h("span", { id: "webhook-create-status", className: "muted", "aria-live": "polite" }),
      ),
    ),
  );
}

async function createSubscription(event) {
  event.preventDefault();
  const status = $("#webhook-create-status");
  const url = $("#webhook-url").value.trim();
  const eventTypes = $$("input[name=webhook-type]:checked").map((input) => input.value);
  if (!eventTypes.length) {
    status.textContent = "Pick at least one event type.";
    status.className = "error";
    return;
  }
  const body = {
    url,
    event_types: eventTypes,
    description: $("#webhook-description").value.trim(),
    enabled: $("#webhook-enabled").checked,
  };
  try {
    const created = await api("POST", "/webhooks", body);
    event.target.reset();
    status.textContent = "Created.";
    status.className = "muted";
    clearError();
    showSecret(created, created.secret, "");
  } catch (err) {
    status.textContent = "Not created.";
    status.className = "error";
    showError(err);
  }
  loadSubscriptions();
}

export async function loadSubscriptions() {
  const gen = ++page.gen;
  try {
    const subscriptions = await api("GET", "/webhooks");
    if (gen !== page.gen || !$("#webhooks-body")) return;
    page.subscriptions = subscriptions;
    renderSubscriptions();
    renderWebhookAlerts(subscriptions, openWebhooks);
  } catch (err) {
    if (gen === page.gen) showError(err);
  }
}

function statusCell(s) {
  if (s.enabled) return h("td", { className: "status" }, badge("Enabled", "st-ready"));
  const why = s.disabled_reason === "failing" ? "after failing deliveries" : "by an admin";
  return h(
    "td",
    { className: "status" },
    badge("Disabled", s.disabled_reason === "failing" ? "st-failed" : "st-disabled"),
    h("div", { className: "muted small-text disabled-why" }, `${why} · ${formatTime(s.disabled_at)}`),
  );
}

// A subscription's types as the catalogue lists them (the API answers them sorted by name); a
// type the console does not know yet comes last.
function inCatalogueOrder(types) {
  const rank = (t) => (EVENT_TYPES.includes(t) ? EVENT_TYPES.indexOf(t) : EVENT_TYPES.length);
  return [...types].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function subscriptionRow(s) {
  return h(
    "tr",
    { className: "webhook", dataset: { webhookId: s.id } },
    h(
      "td",
      { className: "target" },
      h("div", { className: "url mono", title: s.url }, s.url),
      s.description ? h("div", { className: "description muted small-text" }, s.description) : null,
    ),
    h("td", { className: "types" }, inCatalogueOrder(s.event_types).map((t) => h("span", { className: "chip type" }, t))),
    statusCell(s),
    h(
      "td",
      { className: "nowrap small-text" },
      formatTime(s.created_at),
      s.secret_rotated_at ? h("div", { className: "muted" }, `secret rotated ${formatTime(s.secret_rotated_at)}`) : null,
    ),
    h(
      "td",
      { className: "actions" },
      h(
        "div",
        { className: "webhook-actions" },
        h("button", { type: "button", className: "show-log small", onclick: () => openLog(s) }, "Deliveries"),
        h("button", { type: "button", className: "ping small", onclick: () => sendPing(s) }, "Send test"),
        h(
          "button",
          { type: "button", className: "toggle small", onclick: () => setEnabled(s, !s.enabled) },
          s.enabled ? "Disable" : "Enable",
        ),
        h("button", { type: "button", className: "rotate small", onclick: () => rotateSecret(s) }, "Rotate secret"),
        h("button", { type: "button", className: "delete danger small", onclick: () => deleteSubscription(s) }, "Delete"),
      ),
    ),
  );
}

function renderSubscriptions() {
  const body = $("#webhooks-body");
  if (!body) return;
  if (!page.subscriptions.length) {
    body.replaceChildren(emptyRow(COLUMNS, "No subscriptions yet. Create one above."));
    return;
  }
  body.replaceChildren(...page.subscriptions.map(subscriptionRow));
}

async function setEnabled(s, enabled) {
  try {
    await api("PATCH", `/webhooks/${s.id}`, { enabled });
    clearError();
  } catch (err) {
    showError(err);
  }
  loadSubscriptions();
}

async function rotateSecret(s) {
  const question = `Rotate the secret of ${s.url}? The old secret keeps verifying for 24 hours; deliveries meanwhile carry a signature by each.`;
  if (!confirm(question)) return;
  try {
    const rotated = await api("POST", `/webhooks/${s.id}/rotate-secret`);
    clearError();
    showSecret(s, rotated.secret, `The previous secret verifies until ${formatTime(rotated.previous_valid_until)}.`);
  } catch (err) {
    showError(err);
  }
  loadSubscriptions();
}

async function deleteSubscription(s) {
  if (!confirm(`Delete the subscription to ${s.url}? Nothing more is sent to it.`)) return;
  try {
    await api("DELETE", `/webhooks/${s.id}`);
    closeLog(s.id);
    clearError();
  } catch (err) {
    showError(err);
  }
  loadSubscriptions();
}
