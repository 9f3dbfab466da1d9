// webhook.disabled entries in the sidebar's alerts (admins): a subscription the deliveries turned
// off (disabled_reason "failing": a delivery exhausted its retries while every attempt failed)
// is listed, with when, until an admin enables or deletes it. Asked when the console opens, when
// the page comes back into view, and redrawn whenever the Webhooks page reads the list.

import { api, formatTime, h } from "../api.js";
import { $, state } from "./state.js";

let opener = null; // what "Open Webhooks" does (webhooks.js's openWebhooks)

export async function loadWebhookAlerts(onOpen) {
  opener = onOpen;
  if (!state.me || state.me.role !== "admin") return; // staff have no webhooks to see
  try {
    renderWebhookAlerts(await api("GET", "/webhooks"), onOpen);
  } catch {
    // A courtesy: the Webhooks page itself says why the list cannot be read.
  }
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && opener) loadWebhookAlerts(opener);
});

function entry(subscription, onOpen) {
  const when = subscription.disabled_at ? ` on ${formatTime(subscription.disabled_at)}` : "";
  return h(
    "li",
    { className: "console-alert webhook-disabled", dataset: { kind: "webhook.disabled", webhookId: subscription.id } },
    h("strong", {}, "Webhook disabled"),
    h(
      "p",
      {},
      "The subscription to ",
      h("span", { className: "mono url" }, subscription.url),
      ` was disabled${when} after failing deliveries. Nothing is sent to it until it is enabled again.`,
    ),
    h("button", { type: "button", className: "small open-webhooks", onclick: onOpen }, "Open Webhooks"),
  );
}

export function renderWebhookAlerts(subscriptions, onOpen) {
  const box = $("#console-alerts");
  if (!box) return;
  const failing = subscriptions.filter((s) => !s.enabled && s.disabled_reason === "failing");
  box.hidden = !failing.length;
  box.replaceChildren(
    ...(failing.length
      ? [h("h2", { className: "sidebar-title" }, "Alerts"), h("ul", {}, failing.map((s) => entry(s, onOpen)))]
      : []),
  );
}
