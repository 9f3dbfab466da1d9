// The selected session's videos, kept live: one request at a time, re-polled while the page is
// visible (every 2 s while something is on its way to READY, every 15 s otherwise: a
// colleague's upload); rows redrawn only when they changed; retry and delete.

import { api, clock, formatTime, h } from "../api.js";
import { clearError, readable, showError } from "./alerts.js";
import { closeDetail, openVideo, updateDetailHead } from "./detail.js";
import { $, $$, state } from "./state.js";
import { emptyRow, statusBadge } from "./widgets.js";

const POLL_MS = 2000;
const IDLE_POLL_MS = 15000;
const BUSY = new Set(["UPLOADED", "PROCESSING"]); // PENDING may wait for days: not polled fast

const live = { timer: 0, inflight: false, again: false, gen: 0 };

function stopPolling() {
  clearTimeout(live.timer);
  live.timer = 0;
}

function schedulePoll() {
  stopPolling();
  if (state.session && document.visibilityState === "visible") {
    const busy = (state.videos || []).some((v) => BUSY.has(v.status));
    live.timer = setTimeout(refreshVideos, busy ? POLL_MS : IDLE_POLL_MS);
  }
}

// Another session is being selected: the list and any answer still on its way are dropped.
export function forgetVideos() {
  stopPolling();
  live.gen += 1;
  state.videos = [];
}

export async function refreshVideos() {
  stopPolling();
  if (!state.session) return;
  if (live.inflight) {
    live.again = true; // run once more as soon as the current request ends
    return;
  }
  live.inflight = true;
  const gen = live.gen;
  try {
    const videos = await api("GET", `/videos/?session=${state.session.id}`);
    if (gen === live.gen) renderVideos(videos);
  } catch (err) {
    if (gen === live.gen) showError(err);
  } finally {
    live.inflight = false;
    if (live.again) {
      live.again = false;
      refreshVideos();
    } else {
      schedulePoll();
    }
  }
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") refreshVideos();
  else stopPolling();
});

function videoSignature(v) {
  return [v.title, v.order, v.status, v.processing_progress, v.duration, v.error_reason, v.updated_at].join("|");
}

function renderVideos(videos) {
  state.videos = videos;
  const body = $("#videos-body");
  if (!body) return;
  if (!videos.length) {
    body.replaceChildren(emptyRow(6, "No videos in this session yet. Upload one above."));
  } else {
    const existing = new Map($$("tr.video", body).map((tr) => [Number(tr.dataset.videoId), tr]));
    const rows = videos.map((v) => {
      const old = existing.get(v.id);
      // Unchanged rows stay as they are (no flicker, focus kept).
      return old && old.dataset.sig === videoSignature(v) ? old : videoRow(v);
    });
    body.replaceChildren(...rows);
  }
  if (state.pendingVideo) {
    const wanted = videos.find((v) => v.id === state.pendingVideo);
    state.pendingVideo = null;
    if (wanted) openVideo(wanted, refreshVideos);
  }
  const anyActive = videos.some((v) => BUSY.has(v.status));
  const indicator = $("#videos-live");
  if (indicator) indicator.classList.toggle("busy", anyActive);
  if (state.video) {
    const current = videos.find((v) => v.id === state.video.id);
    if (current) updateDetailHead(current);
    else {
      closeDetail();
      showError(new Error("The open video is gone (deleted)."));
    }
  }
}

function processingCell(v) {
  if (v.status === "PROCESSING") {
    const value = Math.max(0, Math.min(100, Number(v.processing_progress) || 0));
    return h(
      "span",
      { className: "processing" },
      h("progress", { max: 100, value, "aria-label": "Processing progress" }),
      h("span", { className: "pct" }, `${value}%`),
    );
  }
  if (v.status === "FAILED") {
    return h(
      "span",
      { className: "failed" },
      h("span", { className: "error error-reason", title: v.error_reason || "" }, v.error_reason || "failed"),
      h("button", { type: "button", className: "retry small", onclick: () => retryVideo(v) }, "Retry"),
    );
  }
  if (v.status === "PENDING" && v.error_reason) {
    // The upload was refused (e.g. not a video): the row stays PENDING until deleted.
    return h(
      "span",
      { className: "error error-reason", title: readable(v.error_reason) },
      `Upload refused: ${v.error_reason}`,
    );
  }
  if (v.status === "PENDING") return h("span", { className: "muted" }, "Waiting for the upload");
  if (v.status === "UPLOADED") return h("span", { className: "muted" }, "Queued for transcoding");
  return h("span", { className: "muted" }, "—");
}

function videoRow(v) {
  const open = state.video && state.video.id === v.id;
  return h(
    "tr",
    { className: open ? "video selected" : "video", dataset: { videoId: v.id, sig: videoSignature(v) } },
    h("td", { className: "num order" }, String(v.order)),
    h(
      "td",
      { className: "title", title: `${v.title}\nID ${v.id} · updated ${formatTime(v.updated_at)}` },
      h("button", { type: "button", className: "open-video link", onclick: () => openVideo(v, refreshVideos) }, v.title),
    ),
    h("td", { className: "status" }, statusBadge(v.status)),
    h("td", { className: "progress-cell" }, processingCell(v)),
    h("td", { className: "num duration" }, clock(v.duration)),
    h(
      "td",
      { className: "actions" },
      h("button", { type: "button", className: "delete danger small", onclick: () => deleteVideo(v) }, "Delete"),
    ),
  );
}

async function retryVideo(v) {
  try {
    await api("POST", `/videos/${v.id}/retry/`);
    clearError();
  } catch (err) {
    showError(err);
  }
  refreshVideos();
}

async function deleteVideo(v) {
  if (!confirm(`Delete “${v.title}”? Its source and transcoded files are removed too.`)) return;
  try {
    await api("DELETE", `/videos/${v.id}/`);
    if (state.video && state.video.id === v.id) closeDetail();
    clearError();
  } catch (err) {
    showError(err);
  }
  refreshVideos();
}
