// The student's page around the player: their sessions (GET /directory/sessions), a session's
// videos with whether they may play them and why not, the playback of the one picked, and the
// page-level signals (visibility, focus, full screen, leaving) for whichever session is playing.

import { api, clock, h, sameServer } from "../api.js";
import { Playback } from "./playback.js";
import { searchBox } from "./search.js";
import { START_DENIALS } from "./start-denials.js";

const app = document.getElementById("app");
let current = null;

export function track() {
  // Page-level signals go to whichever session is playing.
  const send = (type, payload) => current && !current.closed && current.report(type, payload);
  document.addEventListener("visibilitychange", () => {
    send(document.hidden ? "VISIBILITY_HIDDEN" : "VISIBILITY_VISIBLE");
    // Hidden may be for good (the tab closes, the page goes): send the queue while we can.
    if (document.hidden && current && !current.closed) current.sendNow();
  });
  window.addEventListener("blur", () => send("FOCUS_LOST"));
  window.addEventListener("focus", () => send("FOCUS_GAINED"));
  document.addEventListener("fullscreenchange", () =>
    send(document.fullscreenElement ? "FULLSCREEN_ENTER" : "FULLSCREEN_EXIT"),
  );
  window.addEventListener("pagehide", () => current && current.stop({ leaving: true }));
}

async function showVideos(who, sessionId) {
  const list = h("div", { id: "videos", className: "videos" }, h("p", { className: "muted" }, "Loading…"));
  app.querySelector("#videos")?.replaceWith(list);
  let videos;
  try {
    videos = await api("GET", `/videos/student/?session=${sessionId}`);
  } catch (error) {
    list.replaceChildren(h("p", { className: "notice error" }, `Could not list videos (${error.detail || error}).`));
    return;
  }
  if (!videos.length) {
    list.replaceChildren(h("p", { className: "muted" }, "No videos are ready in this session yet."));
    return;
  }
  list.replaceChildren(
    ...videos.map((video) =>
      h(
        "div",
        { className: "video-card", dataset: { videoId: video.id } },
        video.thumbnail_url ? h("img", { src: sameServer(video.thumbnail_url), alt: "" }) : h("div", { className: "thumb" }),
        h("div", {},
          h("strong", {}, video.title),
          h("div", { className: "muted" }, clock(video.duration)),
          video.can_play
            ? h("button", { className: "primary play", dataset: { videoId: video.id }, onclick: () => play(who, video, sessionId) }, "Play")
            : h("div", { className: "error" }, START_DENIALS[video.reason] || video.reason),
        ),
      ),
    ),
  );
}

export async function showPicker(who) {
  current = null;
  const params = new URLSearchParams(location.search);
  let sessions = [];
  try {
    sessions = await api("GET", "/directory/sessions/");
  } catch (error) {
    app.replaceChildren(h("p", { className: "notice error" }, `Could not list your sessions (${error.detail || error}).`));
    return;
  }
  if (!sessions.length) {
    app.replaceChildren(h("p", { className: "muted" }, "You have no sessions to watch."));
    return;
  }
  const picked = Number(params.get("session")) || sessions[0].id;
  const select = h(
    "select",
    { id: "session", "aria-label": "Session", onchange: () => showVideos(who, Number(select.value)) },
    ...sessions.map((s) => h("option", { value: s.id, selected: s.id === picked }, `${s.lecture_title} · ${s.title}`)),
  );
  app.replaceChildren(
    searchBox(sessions, (hit, say) => openResult(who, hit, say)),
    h("label", {}, "Session ", select),
    h("div", { id: "videos" }),
  );
  await showVideos(who, Number(select.value));
}

// A search result: its video as the session's list has it (the enrollment to play as, whether
// it plays now), opened at the result's time if the seek rules allow (Playback.start's `asked`).
async function openResult(who, hit, say) {
  let video;
  try {
    const videos = await api("GET", `/videos/student/?session=${hit.session_id}`);
    video = videos.find((v) => v.id === hit.video_id);
  } catch (error) {
    say(`Could not open the lecture (${error.detail || error}).`);
    return;
  }
  if (!video || !video.can_play) {
    say(video ? START_DENIALS[video.reason] || video.reason : "This video is no longer available.");
    return;
  }
  play(who, video, hit.session_id, hit.start_ms / 1000);
}

function play(who, video, sessionId, asked = null) {
  const stage = h("section", { id: "player" });
  app.replaceChildren(stage);
  current = new Playback(stage, who, video, () => showPicker(who), (next) => (current = next));
  history.replaceState(null, "", `?session=${sessionId}&video=${video.id}`);
  current.start(null, false, asked);
}
