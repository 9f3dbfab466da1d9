// A track's cues, read from its normalised WebVTT file (app/captions.py writes it: "WEBVTT",
// then blocks of "start --> end" and the text), each text editable; "Save edits" sends only
// the cues changed (PATCH cues: [{index, text}], at most 500 at once), a new version of the file.

import { ApiError, api, h, token } from "../api.js";
import { clearError, showError } from "./alerts.js";
import { setStatus } from "./caption-forms.js";

const MAX_EDITS = 500; // domain/caption_rules.py: MAX_CUE_EDITS

export async function openCues(video, track, slot, reload) {
  if (!slot) return;
  slot.replaceChildren(h("p", { className: "muted" }, "Loading the cues…"));
  try {
    const response = await fetch(`/api/v1/videos/${video.id}/captions/${encodeURIComponent(track.language)}.vtt`, {
      headers: { Authorization: `Bearer ${token()}` },
    });
    if (!response.ok) throw new ApiError(response.status, response.statusText);
    const cues = parseCues(await response.text());
    slot.replaceChildren(cueEditor(video, track, cues, slot, reload));
  } catch (err) {
    slot.replaceChildren(h("p", { className: "error" }, "Could not load the cues."));
    showError(err);
  }
}

export function parseCues(text) {
  const cues = [];
  for (const block of text.replace(/\r\n?/g, "\n").split(/\n\n+/)) {
    const [timing, ...lines] = block.split("\n");
    if (!timing || !timing.includes(" --> ")) continue;
    const [start, end] = timing.split(" --> ");
    cues.push({ start: start.trim(), end: end.trim(), text: lines.join("\n") });
  }
  return cues;
}

function cueEditor(video, track, cues, slot, reload) {
  const status = h("span", { id: "caption-cues-status", className: "muted", "aria-live": "polite" });
  const fields = cues.map((cue, index) =>
    h("textarea", { className: "cue-text", rows: Math.min(3, cue.text.split("\n").length), dataset: { index }, "aria-label": `Cue ${index + 1} text` }, cue.text),
  );
  const save = async () => {
    const edits = fields.filter((f, i) => f.value !== cues[i].text).map((f) => ({ index: Number(f.dataset.index), text: f.value }));
    if (!edits.length) return setStatus(status, "Nothing changed.");
    if (edits.length > MAX_EDITS) return setStatus(status, `At most ${MAX_EDITS} cues at once: save in parts.`, true);
    try {
      await api("PATCH", `/videos/${video.id}/captions/${encodeURIComponent(track.language)}`, { cues: edits });
      setStatus(status, `Saved ${edits.length} cue${edits.length === 1 ? "" : "s"}.`);
      clearError();
      reload();
    } catch (err) {
      setStatus(status, "Not saved.", true);
      showError(err);
    }
  };
  return h(
    "section",
    { id: "caption-cues", className: "card caption-cues", dataset: { language: track.language } },
    h(
      "div",
      { className: "toolbar" },
      h("h4", {}, `${track.label} (${track.language}) · ${cues.length} cues`),
      h("button", { type: "button", id: "caption-cues-save", className: "primary small", onclick: save }, "Save edits"),
      h("button", { type: "button", id: "caption-cues-close", className: "small", onclick: () => slot.replaceChildren() }, "Close"),
      status,
    ),
    h(
      "ol",
      { className: "cue-list" },
      cues.map((cue, i) => h("li", { className: "cue" }, h("span", { className: "cue-time muted" }, `${cue.start} → ${cue.end}`), fields[i])),
    ),
  );
}
