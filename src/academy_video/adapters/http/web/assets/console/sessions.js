// The page's frame: who is signed in, the sidebar (alerts, the Webhooks page for admins, the
// sessions grouped by lecture, filtered as typed), and the selected session's upload card and
// videos table.

import { api, h, signOutButton } from "../api.js";
import { showError } from "./alerts.js";
import { closeDetail } from "./detail.js";
import { $, $$, state } from "./state.js";
import { uploadCard } from "./upload.js";
import { forgetVideos, refreshVideos } from "./videos.js";
import { openWebhooks } from "./webhooks.js";
import { emptyRow } from "./widgets.js";

export function renderWho(me) {
  $("#who").replaceChildren(
    h("span", { className: "who-item", title: "Tenant" }, h("span", { className: "muted" }, "Tenant "), me.tenant),
    h("span", { className: `role role-${me.role}`, title: "Role" }, me.role),
    h("span", { className: "who-item", title: "User id" }, h("span", { className: "muted" }, "User "), String(me.user)),
    signOutButton(),
  );
}

export function buildLayout() {
  const filter = h("input", {
    type: "search",
    id: "session-filter",
    placeholder: "Filter sessions…",
    "aria-label": "Filter sessions",
    oninput: renderSessions,
  });
  $("#app").replaceChildren(
    h(
      "div",
      { className: "layout" },
      h(
        "aside",
        { id: "sidebar", className: "sidebar" },
        h("section", { id: "console-alerts", className: "console-alerts", "aria-label": "Alerts", hidden: true }),
        state.me && state.me.role === "admin"
          ? h(
              "nav",
              { className: "pages", "aria-label": "Pages" },
              h("h2", { className: "sidebar-title" }, "Integrations"),
              h("button", { type: "button", id: "nav-webhooks", className: "session", onclick: openWebhooks }, "Webhooks"),
            )
          : null,
        h("h2", { className: "sidebar-title" }, "Sessions"),
        filter,
        h("nav", { id: "sessions", "aria-label": "Sessions" }, h("p", { className: "muted" }, "Loading…")),
      ),
      h(
        "section",
        { id: "main", className: "main" },
        h(
          "div",
          { id: "welcome", className: "placeholder" },
          h("h2", {}, "Choose a session"),
          h("p", { className: "muted" }, "Pick a session on the left to see its videos and upload new ones."),
        ),
      ),
    ),
  );
}

export async function loadSessions() {
  try {
    state.sessions = await api("GET", "/directory/sessions");
  } catch (err) {
    state.sessions = [];
    showError(err);
  }
  renderSessions();
  if (location.hash === "#webhooks" && $("#nav-webhooks")) {
    openWebhooks();
    return;
  }
  const params = new URLSearchParams(location.hash.slice(1));
  const initial = state.sessions.find((s) => s.id === Number(params.get("session")));
  if (initial) {
    selectSession(initial);
    state.pendingVideo = Number(params.get("video")) || null; // reopened once the list is in
  }
}

export function renderSessions() {
  const nav = $("#sessions");
  if (!nav) return;
  if (!state.sessions.length) {
    nav.replaceChildren(
      h("p", { className: "muted" }, "No sessions yet: the academy platform pushes them through the directory API."),
    );
    return;
  }
  const needle = ($("#session-filter")?.value || "").trim().toLowerCase();
  const groups = new Map();
  for (const s of state.sessions) {
    const matches = !needle || `${s.lecture_title} ${s.title}`.toLowerCase().includes(needle);
    if (!matches) continue;
    const key = `${s.lecture_id}`;
    if (!groups.has(key)) groups.set(key, { title: s.lecture_title || `Lecture ${s.lecture_id}`, items: [] });
    groups.get(key).items.push(s);
  }
  const sorted = [...groups.values()].sort((a, b) => a.title.localeCompare(b.title));
  nav.replaceChildren(
    ...sorted.map((group) =>
      h(
        "section",
        { className: "lecture-group" },
        h("h3", { className: "lecture-title" }, group.title),
        h(
          "ul",
          {},
          group.items.map((s) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  className: state.session && state.session.id === s.id ? "session active" : "session",
                  "aria-current": state.session && state.session.id === s.id ? "true" : null,
                  dataset: { sessionId: s.id },
                  onclick: () => selectSession(s),
                },
                s.title || `Session ${s.id}`,
              ),
            ),
          ),
        ),
      ),
    ),
  );
  if (!sorted.length) nav.append(h("p", { className: "muted" }, "No session matches."));
}

function selectSession(session) {
  forgetVideos();
  state.session = session;
  state.pendingVideo = null;
  closeDetail();
  history.replaceState(null, "", `#session=${session.id}`);
  for (const button of $$("button.session")) {
    const active = Number(button.dataset.sessionId) === session.id;
    button.classList.toggle("active", active);
    if (active) button.setAttribute("aria-current", "true");
    else button.removeAttribute("aria-current");
  }
  renderSessionMain();
  refreshVideos();
}

function renderSessionMain() {
  const session = state.session;
  $("#main").replaceChildren(
    h(
      "header",
      { className: "session-head" },
      h("p", { className: "crumb muted" }, session.lecture_title || `Lecture ${session.lecture_id}`),
      h("h2", { id: "session-title" }, session.title || `Session ${session.id}`),
    ),
    uploadCard(),
    h(
      "section",
      { className: "card" },
      h(
        "div",
        { className: "card-head" },
        h("h3", {}, "Videos"),
        h("span", { id: "videos-live", className: "muted live" }, "Live"),
      ),
      h(
        "table",
        { id: "videos", className: "videos" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { className: "num" }, "Order"),
            h("th", {}, "Title"),
            h("th", {}, "Status"),
            h("th", {}, "Processing"),
            h("th", { className: "num" }, "Duration"),
            h("th", { className: "actions" }, ""),
          ),
        ),
        h("tbody", { id: "videos-body" }, emptyRow(6, "Loading…")),
      ),
    ),
    h("div", { id: "detail-slot" }),
  );
}
