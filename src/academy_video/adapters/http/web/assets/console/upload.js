// The upload card: a video reserved (PENDING) with its title and policy, its bytes sent straight
// to storage (one PUT up to 64 MiB, else parts two at a time, with one progress bar), then
// completed; a reserved video whose bytes never arrived is deleted again.

import { ApiError, api, h, sameServer } from "../api.js";
import { clearError, describe, isUnauthenticated, showError } from "./alerts.js";
import { $, $$, state } from "./state.js";
import { refreshVideos } from "./videos.js";

const SINGLE_PUT_MAX = 64 * 1024 * 1024; // above this, a multipart upload
const PART_CONCURRENCY = 2;

export function uploadCard() {
  const status = h(
    "p",
    { id: "upload-status", className: "upload-status muted", "aria-live": "polite" },
    "Files over 64 MiB are sent in parts.",
  );
  const bar = h("progress", { id: "upload-progress", max: 100, value: 0 });
  const file = h("input", {
    type: "file",
    id: "upload-file",
    accept: "video/*",
    required: true,
    onchange: () => {
      const title = $("#upload-title");
      const chosen = file.files[0];
      if (chosen && !title.value.trim()) title.value = chosen.name.replace(/\.[^.]+$/, "");
    },
  });
  return h(
    "section",
    { className: "card upload" },
    h("div", { className: "card-head" }, h("h3", {}, "Upload a video")),
    h(
      "form",
      { id: "upload-form", className: "upload-form", onsubmit: submitUpload },
      h(
        "div",
        { className: "upload-row" },
        h(
          "label",
          { className: "field grow" },
          h("span", {}, "Title"),
          h("input", { type: "text", id: "upload-title", maxlength: 255, placeholder: "e.g. Limits, part 1" }),
        ),
        h("label", { className: "field grow" }, h("span", {}, "File"), file),
      ),
      h(
        "div",
        { className: "upload-row policy" },
        h(
          "label",
          { className: "check" },
          h("input", { type: "checkbox", id: "upload-allow-skip" }),
          " Allow skipping ahead",
        ),
        h(
          "label",
          { className: "field inline" },
          h("span", {}, "Max speed"),
          h("input", { type: "number", id: "upload-max-speed", min: 0.25, max: 16, step: 0.25, value: 1 }),
        ),
        h(
          "label",
          { className: "check" },
          h("input", { type: "checkbox", id: "upload-show-watermark", checked: true }),
          " Show watermark",
        ),
        h("span", { className: "spacer" }),
        h("button", { type: "submit", id: "upload-submit", className: "primary" }, "Upload"),
      ),
      h("div", { className: "upload-progress-row" }, bar, status),
    ),
  );
}

// The card the upload was started from: after a switch of session it is no longer the page's.
function setUploadStatus(text, kind = "", card = document) {
  const el = $("#upload-status", card);
  if (!el) return;
  el.textContent = text;
  el.className = `upload-status ${kind === "error" ? "error" : kind === "ok" ? "ok" : "muted"}`;
}

function setUploadBar(value, card = document) {
  const bar = $("#upload-progress", card);
  if (bar) bar.value = value;
}

async function submitUpload(event) {
  event.preventDefault();
  const card = event.currentTarget.closest("section") || document;
  const say = (text, kind) => setUploadStatus(text, kind, card);
  const fill = (value) => setUploadBar(value, card);
  const session = state.session;
  const file = $("#upload-file", card).files[0];
  const title = $("#upload-title", card).value.trim();
  if (!session) return;
  if (!file) return say("Choose a video file first.", "error");
  if (!title) return say("Give the video a title.", "error");
  const maxSpeedText = $("#upload-max-speed", card).value.trim();
  const maxSpeed = maxSpeedText === "" ? undefined : Number(maxSpeedText);
  if (maxSpeed !== undefined && !(maxSpeed > 0 && maxSpeed <= 16)) {
    return say("Max speed must be between 0.25 and 16.", "error");
  }
  const controls = $$("#upload-form input, #upload-form button", card);
  controls.forEach((c) => (c.disabled = true));
  clearError();
  let reserved = null; // the PENDING video, until its bytes are stored
  fill(0);
  say("Uploading… 0%");
  const onProgress = (loaded) => {
    const pct = file.size ? Math.min(100, Math.floor((loaded * 100) / file.size)) : 100;
    fill(pct);
    say(`Uploading… ${pct}%`);
  };
  try {
    const init = await api("POST", "/videos/upload/init/", {
      session: session.id,
      title,
      filename: file.name,
      content_type: file.type || undefined,
      allow_skip: $("#upload-allow-skip", card).checked,
      max_speed: maxSpeed,
      show_watermark: $("#upload-show-watermark", card).checked,
    });
    if (state.session === session) refreshVideos();
    const video = init.video;
    reserved = video;
    if (file.size <= SINGLE_PUT_MAX) {
      await putBytes(init.upload_url, file, init.content_type, onProgress);
    } else {
      await uploadMultipart(video, file, init.content_type, onProgress);
    }
    reserved = null; // from here on a refusal is recorded on the video (error_reason)
    fill(100);
    say("Checking the file…");
    await api("POST", `/videos/${video.id}/upload/complete/`);
    say("Uploaded: transcoding", "ok");
    $("#upload-title", card).value = "";
    $("#upload-file", card).value = "";
  } catch (err) {
    let note = "";
    if (reserved && !isUnauthenticated(err)) {
      // The file never arrived: the reserved video could never play, so it goes.
      const removed = await api("DELETE", `/videos/${reserved.id}/`).then(() => true, () => false);
      if (removed) note = " (the reserved video was removed: try again)";
    }
    say(`Upload failed: ${describe(err)}${note}`, "error");
    if (err instanceof ApiError) showError(err);
  } finally {
    controls.forEach((c) => (c.disabled = false));
    if (state.session === session) refreshVideos();
  }
}

// PUT bytes with XHR (upload progress events); resolves to the ETag response header.
function putBytes(url, body, contentType, onProgress, inflight) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", sameServer(url));
    if (contentType) xhr.setRequestHeader("Content-Type", contentType);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      inflight?.delete(xhr);
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(body.size);
        resolve(xhr.getResponseHeader("ETag"));
        return;
      }
      let detail = xhr.statusText;
      try {
        detail = JSON.parse(xhr.responseText).detail || detail;
      } catch {
        // S3 answers XML; the status says enough
      }
      reject(new Error(`storage refused the file (HTTP ${xhr.status}${detail ? `: ${detail}` : ""})`));
    };
    xhr.onerror = () => {
      inflight?.delete(xhr);
      reject(new Error("the connection to the storage failed"));
    };
    xhr.onabort = () => {
      inflight?.delete(xhr);
      reject(new Error("upload cancelled"));
    };
    inflight?.add(xhr);
    xhr.send(body);
  });
}

async function uploadMultipart(video, file, contentType, onProgress) {
  const base = `/videos/${video.id}/upload/multipart`;
  const ticket = await api("POST", `${base}/`, { size: file.size, content_type: contentType });
  const sent = new Array(ticket.parts.length).fill(0);
  const done = new Array(ticket.parts.length);
  const inflight = new Set();
  let next = 0;
  let failed = false;
  const report = () => onProgress(sent.reduce((a, b) => a + b, 0));
  const worker = async () => {
    while (!failed && next < ticket.parts.length) {
      const i = next++;
      const part = ticket.parts[i];
      const from = (part.part_number - 1) * ticket.part_size;
      const blob = file.slice(from, Math.min(from + ticket.part_size, file.size));
      const etag = await putBytes(part.url, blob, null, (n) => {
        sent[i] = n;
        report();
      }, inflight);
      if (!etag) throw new Error("the storage did not return an ETag for a part (is the header exposed by CORS?)");
      done[i] = { part_number: part.part_number, etag };
    }
  };
  try {
    const workers = Array.from({ length: Math.min(PART_CONCURRENCY, ticket.parts.length) }, () =>
      worker().catch((err) => {
        failed = true;
        for (const xhr of inflight) xhr.abort();
        throw err;
      }),
    );
    await Promise.all(workers);
    await api("POST", `${base}/complete/`, { upload_id: ticket.upload_id, parts: done });
  } catch (err) {
    failed = true;
    await api("POST", `${base}/abort/`, { upload_id: ticket.upload_id }).catch(() => {});
    throw err;
  }
}
