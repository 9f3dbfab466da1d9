// The instructors' console: sessions in a sidebar, a session's videos (live while processing),
// uploads (single PUT or multipart), and per video its policy, students' permissions, analytics,
// playback events and audit trail. Every text from the API goes in through h() (text only).

import {
  ApiError,
  api,
  apiResponse,
  clock,
  download,
  formatTime,
  h,
  requireLogin,
  sameServer,
  setToken,
  signOutButton,
} from "./api.js";

const ROLES = ["admin", "staff"];
const POLL_MS = 2000;
const IDLE_POLL_MS = 15000;
const BUSY = new Set(["UPLOADED", "PROCESSING"]); // PENDING may wait for days: not polled fast
const SINGLE_PUT_MAX = 64 * 1024 * 1024; // above this, a multipart upload
const PART_CONCURRENCY = 2;
const EVENTS_PAGE = 50;
const STATUSES = ["PENDING", "UPLOADED", "PROCESSING", "READY", "FAILED"];
const EVENT_TYPES = [
  "VISIBILITY_HIDDEN",
  "VISIBILITY_VISIBLE",
  "FOCUS_LOST",
  "FOCUS_GAINED",
  "SEEK_ATTEMPT",
  "SPEED_CHANGE_ATTEMPT",
  "FULLSCREEN_ENTER",
  "FULLSCREEN_EXIT",
  "PLAYER_ERROR",
];
const RANGES = [
  ["24h", "Last 24 hours"],
  ["7d", "Last 7 days"],
  ["all", "All time"],
];
const TABS = [
  ["students", "Students & permissions"],
  ["achievement", "Achievement"],
  ["summary", "Summary"],
  ["risk", "Risk"],
  ["events", "Events"],
  ["audit", "Audit"],
];

// Error details the API answers, said so that an instructor understands them.
const MESSAGES = {
  "invalid_media:no_video_stream": "The file has no video stream: it is not a video.",
  "invalid_media:duration_missing": "The file's duration could not be read.",
  "invalid_media:unreadable": "The file could not be read as a video.",
  "S3 object not found": "The uploaded file was not found in storage, or it is empty.",
  "session, title, filename required": "A session, a title and a file are required.",
  "Cannot retry": "This video cannot be retried in its current status.",
  already_exists: "A permission for this student already exists.",
  forbidden: "Your role may not do this.",
  not_found: "Not found (it may have been deleted).",
  not_authenticated: "Your sign-in has expired.",
};

const state = {
  me: null,
  sessions: [],
  session: null, // the selected session
  videos: [],
  video: null, // the open video
  pendingVideo: null, // a video id from the address, opened when the list arrives
  tab: "students",
  tabGen: 0, // bumps on every tab/video switch: late answers for an old view are dropped
};

// Live list: one request at a time, re-polled every 2 s while the page is visible.
const live = { timer: 0, inflight: false, again: false, gen: 0 };

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

// Errors ---------------------------------------------------------------------------------------

function readable(detail) {
  const d = String(detail ?? "");
  if (MESSAGES[d]) return d === MESSAGES[d] ? d : `${MESSAGES[d]} (${d})`;
  if (d.startsWith("invalid_media:")) return `The file is not a usable video (${d})`;
  if (d.startsWith("Invalid status: ")) return `The video is already ${d.slice(16)}; it cannot be completed again.`;
  return d;
}

function describe(err) {
  if (err instanceof ApiError) return readable(err.detail);
  return (err && err.message) || String(err);
}

function isUnauthenticated(err) {
  return err instanceof ApiError && err.status === 401;
}

function showError(err) {
  if (isUnauthenticated(err)) {
    setToken("");
    location.reload();
    return;
  }
  const status = err instanceof ApiError ? ` [HTTP ${err.status}]` : "";
  $("#alert-text").textContent = `${describe(err)}${status}`;
  $("#alert").hidden = false;
}

function clearError() {
  $("#alert").hidden = true;
  $("#alert-text").textContent = "";
}

// Formatting -----------------------------------------------------------------------------------

function longDuration(seconds) {
  const total = Math.round(Number(seconds) || 0);
  const hh = Math.floor(total / 3600);
  const mm = Math.floor((total % 3600) / 60);
  const ss = total % 60;
  if (hh) return `${hh} h ${mm} min`;
  if (mm) return `${mm} min ${ss} s`;
  return `${ss} s`;
}

function percent(value, digits = 0) {
  return `${Number(value || 0).toFixed(digits)}%`;
}

function badge(text, kind) {
  return h("span", { className: `badge ${kind}` }, text);
}

function statusBadge(status) {
  return badge(status, `st-${String(status).toLowerCase()}`);
}

function rangeSelect(id, value, onchange) {
  return h(
    "select",
    { id, onchange },
    RANGES.map(([key, label]) => h("option", { value: key, selected: key === value }, label)),
  );
}

// Attributes that make a list item act as a button: clicked, or Enter/Space when focused.
function pressable(onPress) {
  return {
    tabindex: 0,
    role: "button",
    onclick: onPress,
    onkeydown: (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        onPress();
      }
    },
  };
}

function emptyRow(columns, text) {
  return h("tr", { className: "empty" }, h("td", { colspan: columns }, text));
}

function compactJson(value) {
  try {
    return JSON.stringify(value ?? {});
  } catch {
    return String(value);
  }
}

// Sign-in and layout ---------------------------------------------------------------------------

function start() {
  $("#alert-close").addEventListener("click", clearError);
  window.addEventListener("unhandledrejection", (event) => showError(event.reason));
  requireLogin($("#app"), ROLES, (me) => {
    state.me = me;
    renderWho(me);
    buildLayout();
    loadSessions();
  });
}

function renderWho(me) {
  $("#who").replaceChildren(
    h("span", { className: "who-item", title: "Tenant" }, h("span", { className: "muted" }, "Tenant "), me.tenant),
    h("span", { className: `role role-${me.role}`, title: "Role" }, me.role),
    h("span", { className: "who-item", title: "User id" }, h("span", { className: "muted" }, "User "), String(me.user)),
    signOutButton(),
  );
}

function buildLayout() {
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

// Sessions -------------------------------------------------------------------------------------

async function loadSessions() {
  try {
    state.sessions = await api("GET", "/directory/sessions");
  } catch (err) {
    state.sessions = [];
    showError(err);
  }
  renderSessions();
  const params = new URLSearchParams(location.hash.slice(1));
  const initial = state.sessions.find((s) => s.id === Number(params.get("session")));
  if (initial) {
    selectSession(initial);
    state.pendingVideo = Number(params.get("video")) || null; // reopened once the list is in
  }
}

function renderSessions() {
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
  stopPolling();
  live.gen += 1;
  state.session = session;
  state.videos = [];
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

// Videos: live list ----------------------------------------------------------------------------

function stopPolling() {
  clearTimeout(live.timer);
  live.timer = 0;
}

// Every 2 s while something is on its way to READY; every 15 s otherwise (a colleague's upload).
function schedulePoll() {
  stopPolling();
  if (state.session && document.visibilityState === "visible") {
    const busy = (state.videos || []).some((v) => BUSY.has(v.status));
    live.timer = setTimeout(refreshVideos, busy ? POLL_MS : IDLE_POLL_MS);
  }
}

async function refreshVideos() {
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
    if (wanted) openVideo(wanted);
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

function videoRow(v) {
  let processing;
  if (v.status === "PROCESSING") {
    const value = Math.max(0, Math.min(100, Number(v.processing_progress) || 0));
    processing = h(
      "span",
      { className: "processing" },
      h("progress", { max: 100, value, "aria-label": "Processing progress" }),
      h("span", { className: "pct" }, `${value}%`),
    );
  } else if (v.status === "FAILED") {
    processing = h(
      "span",
      { className: "failed" },
      h("span", { className: "error error-reason", title: v.error_reason || "" }, v.error_reason || "failed"),
      h("button", { type: "button", className: "retry small", onclick: () => retryVideo(v) }, "Retry"),
    );
  } else if (v.status === "PENDING" && v.error_reason) {
    // The upload was refused (e.g. not a video): the row stays PENDING until deleted.
    processing = h(
      "span",
      { className: "error error-reason", title: readable(v.error_reason) },
      `Upload refused: ${v.error_reason}`,
    );
  } else if (v.status === "PENDING") {
    processing = h("span", { className: "muted" }, "Waiting for the upload");
  } else if (v.status === "UPLOADED") {
    processing = h("span", { className: "muted" }, "Queued for transcoding");
  } else {
    processing = h("span", { className: "muted" }, "—");
  }
  const open = state.video && state.video.id === v.id;
  return h(
    "tr",
    { className: open ? "video selected" : "video", dataset: { videoId: v.id, sig: videoSignature(v) } },
    h("td", { className: "num order" }, String(v.order)),
    h(
      "td",
      { className: "title", title: `${v.title}\nID ${v.id} · updated ${formatTime(v.updated_at)}` },
      h("button", { type: "button", className: "open-video link", onclick: () => openVideo(v) }, v.title),
    ),
    h("td", { className: "status" }, statusBadge(v.status)),
    h("td", { className: "progress-cell" }, processing),
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

// Upload ---------------------------------------------------------------------------------------

function uploadCard() {
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

// Video detail ---------------------------------------------------------------------------------

function closeDetail() {
  state.video = null;
  state.tabGen += 1;
  const slot = $("#detail-slot");
  if (slot) slot.replaceChildren();
  for (const tr of $$("tr.video.selected")) tr.classList.remove("selected");
  if (state.session) history.replaceState(null, "", `#session=${state.session.id}`);
}

function openVideo(v) {
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
        h("p", { id: "video-error", className: "error", hidden: true }),
      ),
      h("button", { type: "button", id: "close-detail", className: "small", onclick: closeDetail }, "Close"),
    ),
    editForm(v),
    h(
      "div",
      { className: "tabs", role: "tablist", "aria-label": "Video details", onkeydown: tabKeys },
      TABS.map(([key, label]) =>
        h(
          "button",
          {
            type: "button",
            id: `tab-${key}`,
            className: "tab",
            role: "tab",
            "aria-controls": "tab-panel",
            dataset: { tab: key },
            onclick: () => showTab(key),
          },
          label,
        ),
      ),
    ),
    h("div", { id: "tab-panel", className: "tab-panel", role: "tabpanel", tabindex: 0 }),
  );
  $("#detail-slot").replaceChildren(panel);
  updateDetailHead(v);
  showTab(state.tab);
  panel.scrollIntoView({ behavior: "smooth", block: "start" });
}

const brokenThumbs = new Set();

function updateDetailHead(v) {
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

function editForm(v) {
  // What the form was filled with: a save sends only what the instructor changed since, never
  // an old value over a colleague's newer one (the list's polling updates state.video).
  state.edited = { ...v };
  return h(
    "form",
    { id: "video-edit", className: "edit-grid", onsubmit: (e) => saveVideo(e) },
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

async function saveVideo(event) {
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
    refreshVideos();
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

// Tabs -----------------------------------------------------------------------------------------

const LOADERS = {
  students: loadStudents,
  achievement: loadAchievement,
  summary: loadSummary,
  risk: loadRisk,
  events: loadEvents,
  audit: loadAudit,
};

function showTab(key) {
  state.tab = key;
  state.tabGen += 1;
  for (const tab of $$(".tabs .tab")) {
    const selected = tab.dataset.tab === key;
    tab.setAttribute("aria-selected", String(selected));
    tab.tabIndex = selected ? 0 : -1;
    tab.classList.toggle("active", selected);
  }
  const panel = $("#tab-panel");
  panel.setAttribute("aria-labelledby", `tab-${key}`);
  panel.replaceChildren(h("p", { className: "muted" }, "Loading…"));
  LOADERS[key](state.video, state.tabGen, panel);
}

function tabKeys(event) {
  if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
  const keys = TABS.map(([key]) => key);
  const step = event.key === "ArrowRight" ? 1 : -1;
  const next = keys[(keys.indexOf(state.tab) + step + keys.length) % keys.length];
  showTab(next);
  $(`#tab-${next}`).focus();
}

// Runs a tab's loader body; drops its result when the user has moved on, shows errors inline.
async function inTab(gen, panel, work) {
  try {
    const content = await work();
    if (gen !== state.tabGen || !content) return;
    panel.replaceChildren(...[content].flat());
  } catch (err) {
    if (gen !== state.tabGen) return;
    panel.replaceChildren(h("p", { className: "error" }, `Could not load: ${describe(err)}`));
    showError(err);
  }
}

function fresh(gen) {
  return gen === state.tabGen;
}

// Students & permissions -----------------------------------------------------------------------

function loadStudents(video, gen, panel) {
  inTab(gen, panel, async () => {
    const [stats, permissions] = await Promise.all([
      api("GET", `/videos/${video.id}/stats/`),
      api("GET", `/video-permissions/?video=${video.id}`),
    ]);
    const byEnrollment = new Map(permissions.map((p) => [p.enrollment, p]));
    return studentsView(video, stats.students, byEnrollment, gen, panel);
  });
}

function triSelect(className, value, yes, no, label) {
  const current = value === true ? "true" : value === false ? "false" : "";
  return h(
    "select",
    { className, "aria-label": label },
    h("option", { value: "", selected: current === "" }, "Default"),
    h("option", { value: "true", selected: current === "true" }, yes),
    h("option", { value: "false", selected: current === "false" }, no),
  );
}

function triValue(select) {
  return select.value === "" ? null : select.value === "true";
}

function studentsView(video, students, permissions, gen, panel) {
  const reload = () => {
    if (fresh(gen)) loadStudents(video, gen, panel);
  };
  const selectAll = h("input", {
    type: "checkbox",
    id: "select-all-students",
    "aria-label": "Select all students",
    onchange: () => {
      for (const box of $$("input.select-student", panel)) box.checked = selectAll.checked;
      updateBulk();
    },
  });
  const bulkRule = h(
    "select",
    { id: "bulk-rule", "aria-label": "Rule for the selected students" },
    h("option", { value: "free" }, "free"),
    h("option", { value: "once", selected: true }, "once"),
    h("option", { value: "blocked" }, "blocked"),
  );
  const bulkCount = h("span", { id: "bulk-count", className: "muted" }, "0 selected");
  const bulkApply = h(
    "button",
    {
      type: "button",
      id: "bulk-apply",
      disabled: true,
      onclick: async () => {
        const enrollments = $$("input.select-student:checked", panel).map((b) => Number(b.value));
        if (!enrollments.length) return;
        bulkApply.disabled = true;
        try {
          await api("POST", "/video-permissions/bulk_set/", {
            video_id: video.id,
            enrollments,
            rule: bulkRule.value,
          });
          clearError();
          reload();
        } catch (err) {
          showError(err);
          bulkApply.disabled = false;
        }
      },
    },
    "Set rule",
  );
  function updateBulk() {
    const n = $$("input.select-student:checked", panel).length;
    bulkCount.textContent = `${n} selected`;
    bulkApply.disabled = n === 0;
    const all = $$("input.select-student", panel).length;
    selectAll.checked = n > 0 && n === all;
    selectAll.indeterminate = n > 0 && n < all;
  }

  const rows = students.map((s) => studentRow(video, s, permissions.get(s.enrollment), updateBulk, reload));
  return [
    h(
      "div",
      { className: "toolbar" },
      h("span", { className: "muted" }, `${students.length} active student${students.length === 1 ? "" : "s"}`),
      h("span", { className: "spacer" }),
      bulkCount,
      h("label", { className: "field inline" }, h("span", {}, "Rule"), bulkRule),
      bulkApply,
    ),
    h(
      "div",
      { className: "table-scroll" },
      h(
        "table",
        { id: "students", className: "students" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { className: "check-col" }, selectAll),
            h("th", {}, "Student"),
            h("th", {}, "Progress"),
            h("th", {}, "Rule"),
            h("th", { title: "What applies now: once + completed ⇒ free" }, "Effective"),
            h("th", {}, "Skip"),
            h("th", {}, "Max speed"),
            h("th", {}, "Watermark"),
            h("th", { className: "center", title: "Block seeking entirely" }, "No seek"),
            h("th", { className: "center", title: "Block the speed control" }, "No speed"),
            h("th", {}, ""),
          ),
        ),
        h("tbody", {}, rows.length ? rows : emptyRow(11, "No ACTIVE enrollments in this lecture.")),
      ),
    ),
  ];
}

function studentRow(video, s, permission, onSelect, reload) {
  const p = permission || {};
  const rule = h(
    "select",
    { className: "rule", "aria-label": `Rule for ${s.student_name}` },
    ["free", "once", "blocked"].map((r) => h("option", { value: r, selected: r === (p.rule || s.rule) }, r)),
  );
  const skip = triSelect("allow-skip-override", p.allow_skip_override, "Allow", "Deny", "Allow skip override");
  const speed = h("input", {
    type: "number",
    className: "max-speed-override",
    min: 0.25,
    max: 16,
    step: 0.25,
    placeholder: `${video.max_speed}`,
    value: p.max_speed_override ?? "",
    "aria-label": "Max speed override",
  });
  const watermark = triSelect("show-watermark-override", p.show_watermark_override, "Show", "Hide", "Watermark override");
  const blockSeek = h("input", {
    type: "checkbox",
    className: "block-seek",
    checked: !!p.block_seek,
    "aria-label": "Block seek",
  });
  const blockSpeed = h("input", {
    type: "checkbox",
    className: "block-speed-control",
    checked: !!p.block_speed_control,
    "aria-label": "Block speed control",
  });
  const save = h("button", { type: "button", className: "save-permission small", disabled: true }, "Save");
  const progress = Math.round((Number(s.progress) || 0) * 100);
  const details = [s.attendance_status, s.school, s.grade && `grade ${s.grade}`].filter(Boolean).join(" · ");
  const row = h(
    "tr",
    {
      className: "student",
      dataset: { enrollmentId: s.enrollment, permissionId: p.id ?? "" },
      oninput: () => {
        row.classList.add("dirty");
        save.disabled = false;
      },
    },
    h(
      "td",
      { className: "check-col" },
      h("input", {
        type: "checkbox",
        className: "select-student",
        value: s.enrollment,
        "aria-label": `Select ${s.student_name}`,
        onchange: onSelect,
      }),
    ),
    h(
      "td",
      { className: "student-cell", title: s.student_phone ? `Phone ${s.student_phone}` : null },
      h("div", { className: "name" }, s.student_name || `Enrollment ${s.enrollment}`),
      details ? h("div", { className: "muted small-text" }, details) : null,
    ),
    h(
      "td",
      { className: "progress-cell" },
      h("progress", { max: 100, value: progress }),
      h("span", { className: "pct" }, `${progress}%`),
      s.completed ? badge("done", "ach-completed") : null,
    ),
    h("td", {}, rule),
    h("td", { className: "effective" }, badge(s.effective_rule, `rule-${s.effective_rule}`)),
    h("td", {}, skip),
    h("td", {}, speed),
    h("td", {}, watermark),
    h("td", { className: "center" }, blockSeek),
    h("td", { className: "center" }, blockSpeed),
    h("td", {}, save),
  );
  // The row's own select box is not a permission edit.
  row.querySelector("input.select-student").addEventListener("input", (e) => e.stopPropagation());
  save.addEventListener("click", async () => {
    const speedText = speed.value.trim();
    const speedValue = speedText === "" ? null : Number(speedText);
    if (speedValue !== null && !(speedValue > 0 && speedValue <= 16)) {
      showError(new Error("Max speed override must be empty or between 0.25 and 16."));
      return;
    }
    const fields = {
      rule: rule.value,
      allow_skip_override: triValue(skip),
      max_speed_override: speedValue,
      show_watermark_override: triValue(watermark),
      block_seek: blockSeek.checked,
      block_speed_control: blockSpeed.checked,
    };
    save.disabled = true;
    try {
      if (p.id) {
        await api("PATCH", `/video-permissions/${p.id}/`, fields);
      } else {
        try {
          await api("POST", "/video-permissions/", { video: video.id, enrollment: s.enrollment, ...fields });
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 409)) throw err;
          // Created meanwhile (elsewhere): change that one instead.
          const [existing] = await api("GET", `/video-permissions/?video=${video.id}&enrollment=${s.enrollment}`);
          if (!existing) throw err;
          await api("PATCH", `/video-permissions/${existing.id}/`, fields);
        }
      }
      clearError();
      reload();
    } catch (err) {
      save.disabled = false;
      showError(err);
    }
  });
  return row;
}

// Achievement ----------------------------------------------------------------------------------

function loadAchievement(video, gen, panel) {
  inTab(gen, panel, async () => {
    const data = await api("GET", `/videos/${video.id}/achievement/`);
    const s = data.summary;
    const rows = data.students.map((st) =>
      h(
        "tr",
        { className: "achievement-row", dataset: { enrollmentId: st.enrollment } },
        h("td", {}, st.student_name),
        h(
          "td",
          { className: "progress-cell" },
          h("progress", { max: 100, value: Number(st.progress) || 0 }),
          h("span", { className: "pct" }, percent(st.progress, 1)),
        ),
        h("td", {}, st.completed ? "Yes" : "No"),
        h("td", { className: "num" }, longDuration(st.watched_seconds)),
        h("td", {}, badge(st.status, `ach-${st.status}`)),
      ),
    );
    return [
      h(
        "div",
        { id: "achievement-summary", className: "tiles" },
        tile("Students online", String(s.total_students)),
        tile("Average progress", percent(s.avg_progress, 1)),
        tile("Completed", percent(s.completed_rate, 1)),
        tile("Not completed", String(s.incomplete_count)),
      ),
      h(
        "table",
        { id: "achievement", className: "achievement" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", {}, "Student"),
            h("th", {}, "Progress"),
            h("th", {}, "Completed"),
            h("th", { className: "num" }, "Watched"),
            h("th", {}, "Status"),
          ),
        ),
        h("tbody", {}, rows.length ? rows : emptyRow(5, "No students attend this session ONLINE.")),
      ),
      h("p", { className: "muted small-text" }, "Students attending ONLINE. completed ≥ 95%, warning ≥ 50%, else danger."),
    ];
  });
}

function tile(label, value, id) {
  return h("div", { className: "tile", id }, h("div", { className: "tile-value" }, value), h("div", { className: "tile-label muted" }, label));
}

// Summary --------------------------------------------------------------------------------------

let summaryRange = "7d";

function loadSummary(video, gen, panel) {
  inTab(gen, panel, async () => {
    const data = await api("GET", `/videos/${video.id}/summary/?range=${summaryRange}`);
    const select = rangeSelect("summary-range", summaryRange, () => {
      summaryRange = select.value;
      showTab("summary");
    });
    const risk = data.risk_top.map((r) =>
      h(
        "li",
        { className: "risk-top-row", dataset: { enrollmentId: r.enrollment } },
        h("span", { className: "name" }, r.student_name),
        badge(`score ${r.score}`, r.score > 0 ? "sev-warn" : "sev-info"),
      ),
    );
    return [
      h("div", { className: "toolbar" }, h("label", { className: "field inline" }, h("span", {}, "Range"), select)),
      h(
        "div",
        { id: "summary", className: "tiles" },
        tile("Completion rate", percent((Number(data.completion_rate) || 0) * 100, 1), "summary-completion"),
        tile("Completed", `${data.completed_count} / ${data.total_students}`),
        tile("Watched (estimate)", longDuration(data.watched_seconds_est), "summary-watched"),
      ),
      h("h4", {}, "Riskiest students"),
      risk.length
        ? h("ol", { id: "summary-risk-top", className: "risk-top" }, risk)
        : h("p", { className: "muted" }, "No risky playback in this range."),
    ];
  });
}

// Risk -----------------------------------------------------------------------------------------

let riskRange = "24h";

function loadRisk(video, gen, panel) {
  inTab(gen, panel, async () => {
    const rows = await api("GET", `/video-playback-events/risk/?video=${video.id}&limit=20&range=${riskRange}`);
    const select = rangeSelect("risk-range", riskRange, () => {
      riskRange = select.value;
      showTab("risk");
    });
    const exportButton = h(
      "button",
      {
        type: "button",
        id: "export-csv",
        onclick: async () => {
          try {
            await download(`/video-playback-events/export/?video=${video.id}&range=${riskRange}`, `video-${video.id}-events.csv`);
          } catch (err) {
            showError(err);
          }
        },
      },
      "Export CSV",
    );
    const events = h("div", { id: "risk-events", className: "risk-events" }, h("p", { className: "muted" }, "Select a student to see their events."));
    const list = h(
      "ol",
      { id: "risk-list", className: "risk-list" },
      rows.map((r) => {
        const li = h(
          "li",
          {
            className: "risk-row",
            dataset: { enrollmentId: r.enrollment_id },
            ...pressable(() => pick()),
          },
          h("span", { className: "name" }, r.student_name),
          h("span", { className: "score", title: "Risk score" }, String(r.score)),
          h(
            "span",
            { className: "counts" },
            badge(`${r.danger} danger`, "sev-danger"),
            badge(`${r.warn} warn`, "sev-warn"),
            badge(`${r.info} info`, "sev-info"),
          ),
          h("span", { className: "muted when" }, r.last_occurred_at ? formatTime(r.last_occurred_at) : "—"),
        );
        async function pick() {
          for (const other of $$("li.risk-row", list)) other.classList.toggle("active", other === li);
          events.replaceChildren(h("p", { className: "muted" }, "Loading…"));
          try {
            const rowsOf = await api(
              "GET",
              `/video-playback-events/?video=${video.id}&enrollment=${r.enrollment_id}&range=${riskRange}&limit=200`,
            );
            if (!fresh(gen) || !li.classList.contains("active")) return;
            events.replaceChildren(
              h("h4", {}, `Events of ${r.student_name}`, h("span", { className: "muted" }, ` · ${rowsOf.length} newest first`)),
              eventsTable(rowsOf, false),
            );
          } catch (err) {
            if (!fresh(gen) || !li.classList.contains("active")) return; // a newer pick won
            events.replaceChildren(h("p", { className: "error" }, describe(err)));
            showError(err);
          }
        }
        return li;
      }),
    );
    return [
      h(
        "div",
        { className: "toolbar" },
        h("label", { className: "field inline" }, h("span", {}, "Range"), select),
        h("span", { className: "spacer" }),
        exportButton,
      ),
      rows.length ? list : [h("p", { className: "muted" }, "No playback events in this range."), list],
      events,
    ].flat();
  });
}

function eventsTable(rows, withStudent) {
  const head = [
    "Occurred",
    ...(withStudent ? ["Student"] : []),
    "Event",
    "Violated",
    "Reason",
    "Severity",
    "Score",
    "Payload",
  ];
  return h(
    "div",
    { className: "table-scroll" },
    h(
      "table",
      { className: "events" },
      h("thead", {}, h("tr", {}, head.map((t) => h("th", {}, t)))),
      h(
        "tbody",
        {},
        rows.length
          ? rows.map((e) => {
              const payload = compactJson(e.event_payload ?? e.payload);
              return h(
                "tr",
                { className: e.violated ? "event violated" : "event" },
                h("td", { className: "nowrap" }, formatTime(e.occurred_at)),
                withStudent ? h("td", {}, e.student_name) : null,
                h("td", { className: "mono" }, e.event_type),
                h("td", {}, e.violated ? "Yes" : "No"),
                h("td", { className: "mono" }, e.violation_reason || ""),
                h("td", {}, badge(e.severity, `sev-${e.severity}`)),
                h("td", { className: "num" }, String(e.score)),
                h("td", { className: "mono payload", title: payload }, payload),
              );
            })
          : emptyRow(head.length, "No events."),
      ),
    ),
  );
}

// Events ---------------------------------------------------------------------------------------

const eventFilters = { violated: "", types: new Set(), range: "24h", search: "", offset: 0 };

// The one call that needs a response header (X-Total-Count).
async function fetchWithTotal(path) {
  const { data, headers } = await apiResponse("GET", path);
  const total = Number(headers.get("X-Total-Count"));
  return { rows: data || [], total: Number.isFinite(total) ? total : (data || []).length };
}

function loadEvents(video, gen, panel) {
  const f = eventFilters;
  f.offset = 0;
  const results = h("div", { id: "events-results" }, h("p", { className: "muted" }, "Loading…"));
  const reload = (resetOffset = true) => {
    if (resetOffset) f.offset = 0;
    fetchEvents(video, gen, results);
  };
  const violated = h(
    "select",
    {
      id: "events-violated",
      onchange: () => {
        f.violated = violated.value;
        reload();
      },
    },
    h("option", { value: "", selected: f.violated === "" }, "Any"),
    h("option", { value: "true", selected: f.violated === "true" }, "Violations only"),
    h("option", { value: "false", selected: f.violated === "false" }, "No violation"),
  );
  const range = rangeSelect("events-range", f.range, () => {
    f.range = range.value;
    reload();
  });
  let debounce = 0;
  const search = h("input", {
    type: "search",
    id: "events-search",
    placeholder: "Student, reason…",
    value: f.search,
    oninput: () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        f.search = search.value.trim();
        reload();
      }, 300);
    },
  });
  const types = h(
    "fieldset",
    { id: "events-types", className: "chips" },
    h("legend", {}, "Event types"),
    EVENT_TYPES.map((t) =>
      h(
        "label",
        { className: "chip" },
        h("input", {
          type: "checkbox",
          name: "event_type",
          value: t,
          checked: f.types.has(t),
          onchange: (e) => {
            if (e.target.checked) f.types.add(t);
            else f.types.delete(t);
            reload();
          },
        }),
        t,
      ),
    ),
  );
  panel.replaceChildren(
    h(
      "div",
      { id: "events-filters", className: "filters" },
      h("label", { className: "field inline" }, h("span", {}, "Violated"), violated),
      h("label", { className: "field inline" }, h("span", {}, "Range"), range),
      h("label", { className: "field inline grow" }, h("span", {}, "Search"), search),
      types,
    ),
    results,
  );
  fetchEvents(video, gen, results);
}

async function fetchEvents(video, gen, results) {
  const f = eventFilters;
  const query = new URLSearchParams({ video: video.id, range: f.range, limit: EVENTS_PAGE, offset: f.offset });
  if (f.violated) query.set("violated", f.violated);
  if (f.types.size) query.set("event_type", [...f.types].join(","));
  if (f.search) query.set("search", f.search);
  const key = query.toString();
  results.dataset.query = key;
  try {
    const { rows, total } = await fetchWithTotal(`/video-playback-events/?${key}`);
    if (!fresh(gen) || results.dataset.query !== key) return;
    const first = total ? f.offset + 1 : 0;
    const last = f.offset + rows.length;
    const prev = h(
      "button",
      {
        type: "button",
        id: "events-prev",
        disabled: f.offset === 0,
        onclick: () => {
          f.offset = Math.max(0, f.offset - EVENTS_PAGE);
          fetchEvents(video, gen, results);
        },
      },
      "← Newer",
    );
    const next = h(
      "button",
      {
        type: "button",
        id: "events-next",
        disabled: last >= total,
        onclick: () => {
          f.offset += EVENTS_PAGE;
          fetchEvents(video, gen, results);
        },
      },
      "Older →",
    );
    results.replaceChildren(
      h(
        "div",
        { className: "toolbar pager" },
        h("span", { id: "events-count", className: "muted" }, total ? `${first}–${last} of ${total}` : "0 events"),
        h("span", { className: "spacer" }),
        prev,
        next,
      ),
      eventsTable(rows, true),
    );
  } catch (err) {
    if (!fresh(gen) || results.dataset.query !== key) return; // a newer query won
    results.replaceChildren(h("p", { className: "error" }, `Could not load: ${describe(err)}`));
    showError(err);
  }
}

// Audit ----------------------------------------------------------------------------------------

function shortType(type) {
  return String(type).split(".").pop();
}

function auditValue(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return compactJson(value);
  return String(value);
}

function loadAudit(video, gen, panel) {
  if (!state.me || state.me.role !== "admin") {
    panel.replaceChildren(
      h(
        "p",
        { id: "audit-denied", className: "notice" },
        "The audit trail is for auditors only (admin role). Your role is ",
        state.me ? state.me.role : "unknown",
        ".",
      ),
    );
    return;
  }
  inTab(gen, panel, async () => {
    const events = await api("GET", `/audit/videos/${video.id}/events`);
    const stateBox = h(
      "div",
      { id: "audit-state-box", className: "audit-state" },
      h("p", { className: "muted" }, "Select an event to see the video as it was after it."),
    );
    const timeline = h(
      "ol",
      { id: "audit-timeline", className: "timeline" },
      events.map((e) => {
        const entries = Object.entries(e.data || {}).filter(([k]) => k !== "tenant" && k !== "originator_topic");
        const li = h(
          "li",
          {
            className: "audit-event",
            dataset: { version: e.version },
            ...pressable(() => pick()),
          },
          h(
            "div",
            { className: "audit-head" },
            h("span", { className: "version" }, `v${e.version}`),
            h("span", { className: "type", title: e.type }, shortType(e.type)),
            h("span", { className: "muted when" }, formatTime(e.timestamp)),
          ),
          entries.length
            ? h(
                "div",
                { className: "audit-data" },
                entries.slice(0, 5).map(([k, v]) =>
                  h("span", { className: "kv" }, h("span", { className: "k" }, k), " ", h("span", { className: "v" }, auditValue(v))),
                ),
                entries.length > 5 ? h("span", { className: "muted" }, `+${entries.length - 5} more`) : null,
              )
            : null,
        );
        async function pick() {
          for (const other of $$("li.audit-event", timeline)) other.classList.toggle("active", other === li);
          stateBox.replaceChildren(h("p", { className: "muted" }, "Loading…"));
          try {
            const snap = await api("GET", `/audit/videos/${video.id}/state?version=${e.version}`);
            if (!fresh(gen) || !li.classList.contains("active")) return;
            const rows = [
              ["version", snap.version],
              ["created_at", snap.created_at],
              ["updated_at", snap.updated_at],
              ...Object.entries(snap.state || {}),
            ];
            stateBox.replaceChildren(
              h("h4", {}, `State at version ${snap.version}`),
              h("dl", { id: "audit-state" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, auditValue(v))])),
            );
          } catch (err) {
            if (!fresh(gen) || !li.classList.contains("active")) return; // a newer pick won
            stateBox.replaceChildren(h("p", { className: "error" }, describe(err)));
            showError(err);
          }
        }
        return li;
      }),
    );
    return h(
      "div",
      { className: "audit" },
      h("div", { className: "audit-col" }, events.length ? timeline : [h("p", { className: "muted" }, "No events."), timeline]),
      stateBox,
    );
  });
}

start();
