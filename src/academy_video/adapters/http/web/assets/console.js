// The instructors' console: sessions in a sidebar, a session's videos (live while processing),
// uploads (single PUT or multipart), and per video its policy, students' permissions, analytics,
// playback events and audit trail; for admins, the Webhooks page and its alerts. Every text from
// the API goes in through h() (text only).
// This module signs in and lays the page out; console/ holds one module per part of the page.

import { requireLogin } from "./api.js";
import { clearError, showError } from "./console/alerts.js";
import { eventFilters } from "./console/filters.js";
import { buildLayout, loadSessions, renderWho } from "./console/sessions.js";
import { $, state } from "./console/state.js";
import { loadWebhookAlerts } from "./console/webhook-alerts.js";
import { openWebhooks } from "./console/webhooks.js";

const ROLES = ["admin", "staff"];

function start() {
  $("#alert-close").addEventListener("click", clearError);
  window.addEventListener("unhandledrejection", (event) => showError(event.reason));
  requireLogin($("#app"), ROLES, (me) => {
    state.me = me;
    eventFilters().catch(() => {}); // asked early; the tabs that use them show a failure
    renderWho(me);
    buildLayout();
    loadSessions();
    loadWebhookAlerts(openWebhooks); // admins: subscriptions the deliveries turned off
  });
}

start();
