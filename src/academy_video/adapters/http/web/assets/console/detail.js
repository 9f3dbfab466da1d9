// The open video: its head (thumbnail, status, processing, delivery figures, kept current by the
// live list), the form that edits its title, order and default policy, and its tabs below.

import { api, clock, formatTime, h, sameServer } from "../api.js";
import { clearError, showError } from "./alerts.js";
import { showDelivery } from "./delivery.js";
import { $, $$, state } from "./state.js";
import { showTab, tabBar } from "./tabs.js";
import { statusBadge } from "./widgets.js";

export function closeDetail() {
  state.video = null;
  state.tabGen += 1;
  const slot = $("#detail-slot");
  if (slot) slot.replaceChildren();
  for (const tr of $$("tr.video.selected")) tr.classList.remove("selected");
  if (state.session) history.replaceState(null, "", `#session=${state.session.id}`);
}

// ``onSaved``: what to do once an edit is saved (the list refreshes).
export function openVideo(v, onSaved) {
  state.video = v;
  state.tabGen += 1;
  for (const tr of $$("tr.video")) tr.classList.toggle("selected", Number(tr.dataset.videoId) === v.id);
  history.replaceState(null, "", `#session=${state.session.id}&video=${v.id}`);
  const panel = h(
    "section",
    { id: "video-detail", className: "card detail", dataset: { videoId: v.id } },
    h(
      "div",
      { className: "detail-head" },
      h("div", { id: "video-thumb-box", className: "thumb-box" }),
      h(
        "div",
        { className: "detail-title" },
        h("h3", { id: "video-title" }),
        h(
          "p",
          { className: "detail-meta" },
          h("span", { id: "video-status" }),
          h("span", { id: "video-processing" }),
          h("span", { id: "video-meta", className: "muted" }),
        ),
        h("p", { id: "video-delivery", className: "detail-meta delivery", hidden: true }),
        h("p", { id: "video-error", className: "error", hidden: true }),
      ),
      h("button", { type: "button", id: "close-detail", className: "small", onclick: closeDetail }, "Close"),
    ),
    editForm(v, onSaved),
    ...tabBar(),
  );
  $("#detail-slot").replaceChildren(panel);
  updateDetailHead(v);
  showTab(state.tab);
  panel.scrollIntoView({ behavior: "smooth", block: "start" });
}

const brokenThumbs = new Set();

export function updateDetailHead(v) {
  const panel = $("#video-detail");
  if (!panel || Number(panel.dataset.videoId) !== v.id) return;
  state.video = v;
  $("#video-title").textContent = v.title;
  $("#video-status").replaceChildren(statusBadge(v.status));
  const processing = $("#video-processing");
  if (v.status === "PROCESSING") {
    const value = Number(v.processing_progress) || 0;
    processing.replaceChildren(h("progress", { max: 100, value }), ` ${value}%`);
  } else processing.replaceChildren();
  $("#video-meta").textContent = [
    `ID ${v.id}`,
    `duration ${clock(v.duration)}`,
    `created ${formatTime(v.created_at)}`,
  ].join(" · ");
  showDelivery(v);
  const error = $("#video-error");
  error.hidden = v.status !== "FAILED";
  error.textContent = v.status === "FAILED" ? `Failed: ${v.error_reason || "unknown reason"}` : "";
  const box = $("#video-thumb-box");
  const img = box.querySelector("img");
  const src = v.thumbnail_url ? sameServer(v.thumbnail_url) : null;
  if (src && !brokenThumbs.has(src)) {
    if (!img || img.getAttribute("src") !== src) {
      const image = h("img", {
        id: "video-thumb",
        src,
        alt: `Thumbnail of ${v.title}`,
        onerror: () => {
          // Not retried on every poll: a thumbnail that failed once shows a placeholder.
          brokenThumbs.add(src);
          box.replaceChildren(h("div", { className: "thumb-empty muted" }, "Thumbnail unavailable"));
        },
      });
      box.replaceChildren(image);
    }
  } else {
    const text = src ? "Thumbnail unavailable" : v.status === "READY" ? "No thumbnail" : v.status;
    const empty = box.querySelector(".thumb-empty");
    if (!empty || empty.textContent !== text) box.replaceChildren(h("div", { className: "thumb-empty muted" }, text));
  }
  const version = $("#policy-version");
  if (version) version.textContent = `Policy version ${v.policy_version}`;
}

function editForm(v, onSaved) {
  // What the form was filled with: a save sends only what the instructor changed since, never
  // an old value over a colleague's newer one (the list's polling updates state.video).
  state.edited = { ...v };
  return h(
    "form",
    { id: "video-edit", className: "edit-grid", onsubmit: (e) => saveVideo(e, onSaved) },
    h(
      "div",
      { className: "edit-row" },
      h(
        "label",
        { className: "field grow" },
        h("span", {}, "Title"),
        h("input", { type: "text", id: "edit-title", maxlength: 255, required: true, value: v.title }),
      ),
      h(
        "label",
        { className: "field narrow" },
        h("span", {}, "Order"),
        h("input", { type: "number", id: "edit-order", min: 0, step: 1, value: v.order }),
      ),
      h("span", { id: "edit-status", className: "muted", "aria-live": "polite" }),
      h("button", { type: "submit", id: "edit-save", className: "primary" }, "Save changes"),
    ),
    h(
      "div",
      { className: "edit-row" },
      h("span", { className: "edit-label" }, "Default playback policy"),
      h(
        "label",
        { className: "check" },
        h("input", { type: "checkbox", id: "edit-allow-skip", checked: v.allow_skip }),
        " Allow skipping ahead",
      ),
      h(
        "label",
        { className: "field inline" },
        h("span", {}, "Max speed"),
        h("input", { type: "number", id: "edit-max-speed", min: 0.25, max: 16, step: 0.25, value: v.max_speed }),
      ),
      h(
        "label",
        { className: "check" },
        h("input", { type: "checkbox", id: "edit-show-watermark", checked: v.show_watermark }),
        " Show watermark",
      ),
      h("span", { id: "policy-version", className: "badge policy-version" }, `Policy version ${v.policy_version}`),
    ),
  );
}

async function saveVideo(event, onSaved) {
  event.preventDefault();
  const v = state.edited;
  if (!v || !state.video || state.video.id !== v.id) return;
  const changes = {};
  const title = $("#edit-title").value.trim();
  const order = Number($("#edit-order").value);
  const maxSpeed = Number($("#edit-max-speed").value);
  const allowSkip = $("#edit-allow-skip").checked;
  const watermark = $("#edit-show-watermark").checked;
  if (!title) return setEditStatus("The title cannot be empty.", true);
  if (!Number.isInteger(order) || order < 0) return setEditStatus("Order must be a whole number ≥ 0.", true);
  if (!(maxSpeed > 0 && maxSpeed <= 16)) return setEditStatus("Max speed must be between 0.25 and 16.", true);
  if (title !== v.title) changes.title = title;
  if (order !== v.order) changes.order = order;
  if (maxSpeed !== v.max_speed) changes.max_speed = maxSpeed;
  if (allowSkip !== v.allow_skip) changes.allow_skip = allowSkip;
  if (watermark !== v.show_watermark) changes.show_watermark = watermark;
  if (!Object.keys(changes).length) return setEditStatus("Nothing changed.");
  try {
    const saved = await api("PATCH", `/videos/${v.id}/`, changes);
    state.edited = { ...saved };
    updateDetailHead(saved);
    setEditStatus("Saved.");
    clearError();
    onSaved();
  } catch (err) {
    setEditStatus("Not saved.", true);
    showError(err);
  }
}

function setEditStatus(text, isError = false) {
  const el = $("#edit-status");
  el.textContent = text;
  el.className = isError ? "error" : "muted";
}
