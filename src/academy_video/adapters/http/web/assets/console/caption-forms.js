// The Captions tab's two forms: upload a WebVTT or SubRip file (multipart, a new file for an
// existing language when "Replace" is ticked), and start auto-captions for a language.

import { ApiError, api, h, token } from "../api.js";
import { clearError, showError } from "./alerts.js";

const MAX_FILE_BYTES = 2 * 1024 * 1024; // domain/caption_rules.py: MAX_CAPTION_FILE_BYTES

export function uploadForm(video, reload) {
  const status = h("span", { id: "caption-upload-status", className: "muted", "aria-live": "polite" });
  const submit = async (event) => {
    event.preventDefault();
    const form = event.target;
    const file = form.querySelector("#caption-file").files[0];
    if (!file) return setStatus(status, "Choose a .vtt or .srt file.", true);
    if (file.size > MAX_FILE_BYTES) return setStatus(status, "The file is over 2 MiB.", true);
    const body = new FormData();
    body.append("file", file, file.name);
    body.append("language", form.querySelector("#caption-language").value.trim());
    body.append("label", form.querySelector("#caption-label").value.trim());
    body.append("kind", form.querySelector("#caption-kind").value);
    if (form.querySelector("#caption-replace").checked) body.append("replace", "true");
    setStatus(status, "Uploading…");
    try {
      const response = await fetch(`/api/v1/videos/${video.id}/captions/`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token()}` },
        body,
      });
      if (!response.ok) {
        let detail = response.statusText;
        try {
          detail = (await response.json()).detail || detail;
        } catch {
          // not JSON: the status text says it
        }
        throw new ApiError(response.status, detail);
      }
      setStatus(status, "Uploaded as a draft.");
      clearError();
      reload();
    } catch (err) {
      setStatus(status, "Not uploaded.", true);
      showError(err);
    }
  };
  return h(
    "form",
    { id: "caption-upload", className: "card caption-form", onsubmit: submit },
    h("h4", {}, "Upload a caption file"),
    h(
      "div",
      { className: "edit-row" },
      h("label", { className: "field grow" }, h("span", {}, "File (.vtt, .srt)"), h("input", { type: "file", id: "caption-file", accept: ".vtt,.srt,text/vtt,application/x-subrip" })),
      languageField("caption-language", "ko"),
      h("label", { className: "field" }, h("span", {}, "Label"), h("input", { type: "text", id: "caption-label", maxlength: 100, placeholder: "한국어" })),
      h(
        "label",
        { className: "field" },
        h("span", {}, "Kind"),
        h("select", { id: "caption-kind" }, h("option", { value: "subtitles" }, "Subtitles"), h("option", { value: "captions" }, "Captions (with sounds)")),
      ),
      h("label", { className: "check" }, h("input", { type: "checkbox", id: "caption-replace" }), " Replace"),
      h("button", { type: "submit", id: "caption-upload-submit", className: "primary" }, "Upload"),
    ),
    status,
  );
}

export function autoForm(video, reload) {
  const status = h("span", { id: "caption-auto-status", className: "muted", "aria-live": "polite" });
  const submit = async (event) => {
    event.preventDefault();
    const form = event.target;
    const language = form.querySelector("#caption-auto-language").value.trim();
    const label = form.querySelector("#caption-auto-label").value.trim();
    setStatus(status, "Starting…");
    try {
      await api("POST", `/videos/${video.id}/captions/auto`, label ? { language, label } : { language });
      setStatus(status, "Started: the track shows its progress above.");
      clearError();
      reload();
    } catch (err) {
      setStatus(status, "Not started.", true);
      showError(err);
    }
  };
  return h(
    "form",
    { id: "caption-auto", className: "card caption-form", onsubmit: submit },
    h("h4", {}, "Auto-captions"),
    h("p", { className: "muted small-text" }, "Transcribed offline from the video's sound into a draft for you to review and publish (Korean)."),
    h(
      "div",
      { className: "edit-row" },
      languageField("caption-auto-language", "ko"),
      h("label", { className: "field" }, h("span", {}, "Label"), h("input", { type: "text", id: "caption-auto-label", maxlength: 100, placeholder: "한국어 (자동)" })),
      h("button", { type: "submit", id: "caption-auto-submit", className: "primary" }, "Start auto-captions"),
    ),
    status,
  );
}

function languageField(id, value) {
  return h(
    "label",
    { className: "field narrow" },
    h("span", {}, "Language"),
    h("input", { type: "text", id, value, required: true, minlength: 2, maxlength: 35, title: "A BCP 47 tag: ko, ko-KR, en" }),
  );
}

export function setStatus(el, text, isError = false) {
  el.textContent = text;
  el.className = isError ? "error" : "muted";
}
