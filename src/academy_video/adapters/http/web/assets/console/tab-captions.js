// Captions: the open video's caption tracks (status, progress of an auto track at work, the
// reason one failed), each published or not, made the default, previewed with its cues' text
// edited (caption-cues.js), or deleted; a file uploaded and auto-captions started
// (caption-forms.js). Polled every 2 s while a track is processing and the page is visible.

import { api, h } from "../api.js";
import { clearError, showError } from "./alerts.js";
import { openCues } from "./caption-cues.js";
import { autoForm, uploadForm } from "./caption-forms.js";
import { fresh, inTab } from "./tab-panel.js";
import { badge, emptyRow, statusBadge } from "./widgets.js";

const POLL_MS = 2000;
const COLUMNS = 6;

export function loadCaptions(video, gen, panel, reopen) {
  inTab(gen, panel, async () => {
    const tracks = await api("GET", `/videos/${video.id}/captions/`);
    const reload = () => {
      if (fresh(gen)) reopen();
    };
    if (tracks.some((t) => t.status === "processing")) schedulePoll(video, gen, panel, reopen);
    return [
      h(
        "table",
        { id: "caption-tracks", className: "captions" },
        h(
          "thead",
          {},
          h("tr", {}, ["Language", "Label", "Status", "Source", "Cues", ""].map((c) => h("th", {}, c))),
        ),
        h(
          "tbody",
          {},
          tracks.length
            ? tracks.map((t) => trackRow(video, t, reload, panel))
            : emptyRow(COLUMNS, "No captions yet: upload a file or start auto-captions."),
        ),
      ),
      h("div", { id: "caption-cues-slot" }),
      h("div", { className: "caption-forms" }, uploadForm(video, reload), autoForm(video, reload)),
    ];
  });
}

// While a track is processing: its row's status and progress, kept current in place.
function schedulePoll(video, gen, panel, reopen) {
  setTimeout(async () => {
    if (!fresh(gen)) return;
    if (document.hidden) return schedulePoll(video, gen, panel, reopen);
    try {
      const tracks = await api("GET", `/videos/${video.id}/captions/`);
      if (!fresh(gen)) return;
      const rows = panel.querySelector("#caption-tracks tbody");
      const changed = tracks.some((t) => {
        const row = rows && rows.querySelector(`tr[data-language="${CSS.escape(t.language)}"]`);
        return !row || row.dataset.status !== t.status;
      });
      if (changed) return reopen(); // a track finished or appeared: the whole tab again
      for (const t of tracks) {
        const cell = rows.querySelector(`tr[data-language="${CSS.escape(t.language)}"] td.status`);
        if (cell) cell.replaceChildren(...statusCell(t));
      }
      if (tracks.some((t) => t.status === "processing")) schedulePoll(video, gen, panel, reopen);
    } catch {
      if (fresh(gen)) schedulePoll(video, gen, panel, reopen);
    }
  }, POLL_MS);
}

function statusCell(t) {
  const parts = [statusBadge(t.status)];
  if (t.default) parts.push(" ", badge("default", "st-ready"));
  if (t.status === "processing") {
    parts.push(" ", h("progress", { max: 100, value: t.progress }), h("span", { className: "caption-progress" }, ` ${t.progress}%`));
  }
  if (t.status === "failed") parts.push(h("div", { className: "error small-text caption-reason" }, t.reason));
  return parts;
}

function trackRow(video, t, reload, panel) {
  const path = `/videos/${video.id}/captions/${encodeURIComponent(t.language)}`;
  const act = (label, cls, work) =>
    h(
      "button",
      {
        type: "button",
        className: `small ${cls}`,
        onclick: async () => {
          try {
            if ((await work()) === false) return; // cancelled
            clearError();
            reload();
          } catch (err) {
            showError(err);
          }
        },
      },
      label,
    );
  const actions = [];
  if (t.url) {
    actions.push(
      h(
        "button",
        { type: "button", className: "small caption-preview", onclick: () => openCues(video, t, panel.querySelector("#caption-cues-slot"), reload) },
        t.status === "published" ? "Preview & edit" : "Review & edit",
      ),
    );
  }
  if (t.status === "draft") actions.push(act("Publish", "caption-publish primary", () => api("PATCH", path, { published: true })));
  if (t.status === "published") actions.push(act("Unpublish", "caption-unpublish", () => api("PATCH", path, { published: false })));
  if (!t.default && (t.status === "draft" || t.status === "published")) {
    actions.push(act("Make default", "caption-default", () => api("PATCH", path, { default: true })));
  }
  actions.push(
    act("Delete", "caption-delete danger", async () => {
      if (!confirm(`Delete the ${t.label} (${t.language}) captions? Their file is removed too.`)) return false;
      await api("DELETE", path);
      return true;
    }),
  );
  return h(
    "tr",
    { className: "caption-track", dataset: { language: t.language, status: t.status } },
    h("td", { className: "language" }, h("code", {}, t.language)),
    h("td", {}, t.label, h("span", { className: "muted small-text" }, ` · ${t.kind}`)),
    h("td", { className: "status" }, ...statusCell(t)),
    h("td", {}, t.source),
    h("td", {}, t.cue_count ? String(t.cue_count) : "—"),
    h("td", {}, h("div", { className: "caption-actions" }, actions)),
  );
}
