// The reference student player: hls.js on the signed play_url, the policy applied exactly as the
// server judges it, heartbeats with the position, batched player events, and a clear message
// whenever the server ends or changes the session.
import { api, ApiError, apiResponse, clock, h, requireLogin, sameServer, signOutButton } from "./api.js";

const HEARTBEAT_MS = 10_000;
const FLUSH_MS = 5_000;
const BATCH_MAX = 200; // ACADEMY_VIDEO_EVENT_BATCH_MAX's default
const QUEUE_MAX = 1_000; // kept while the network is away; the oldest go first
const RATES = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
// Moves smaller than this are the player's own (buffer-gap nudges, timeupdate jitter), not seeks.
const SEEK_TOLERANCE = 1.0;
const URGENT = new Set(["SEEK_ATTEMPT", "SPEED_CHANGE_ATTEMPT"]);
const RETRY_AFTER_MS = 60_000; // a 429 that does not say how long to wait
const REFRESH_LEAD_MS = 60_000; // refresh this long before the first lapse (half, if shorter)
const REFRESH_RETRY_MS = 2_000; // after a failure that may pass (the network, a 503)

const START_DENIALS = {
  blocked: "Your instructor has blocked this video for you.",
  no_session_access: "You do not have access to this session.",
  enrollment_mismatch: "Your enrollment does not cover this video (not active, or another lecture).",
  not_enrolled: "You are not enrolled in this lecture.",
  video_not_ready: "This video is still being prepared. Try again in a few minutes.",
  device_limit_exceeded:
    "You are already watching on the maximum number of devices. Stop the video on another device first.",
  concurrency_limit_exceeded:
    "You already have the maximum number of videos playing. Stop one of them first.",
  rate_limited: "Too many attempts to start playback. Wait a minute and try again.",
};

// How long a 429 asks us to wait: Retry-After in seconds (or as a date).
function retryAfterMs(error) {
  const value = error.headers.get("Retry-After") || "";
  const seconds = Number(value);
  if (value && Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : RETRY_AFTER_MS;
}

function deviceId() {
  const key = "academy-video.device";
  let id = localStorage.getItem(key);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(key, id);
  }
  return id;
}

// What may the student seek to, from `from`, under `policy`? A `bounded_forward` mode allows any
// target up to the furthest point watched plus the grace; `blocked`, or a video without seeking
// (allow_seek false) and no bounded mode, allows none. Mirrors domain/policy.py's judge_event:
// the player blocks, and reports, exactly the seeks the server counts as violations. A move
// within `tolerance` is not a seek (the student's own moves have none; hls.js's nudges do).
function seekAllowed(policy, from, target, maxWatched, tolerance) {
  if (Math.abs(target - from) <= tolerance) return true;
  const mode = (policy.seek && policy.seek.mode) || "free";
  if (mode === "blocked") return false;
  if (mode === "bounded_forward") {
    return target <= maxWatched + (policy.seek.grace_seconds || 0);
  }
  return policy.allow_seek !== false;
}

// The speed rule, as judge_event has it: with the control given and a cap above 1×, any rate up
// to the cap is the student's (a higher one is put back, reported, not a violation); otherwise
// the rate is fixed (at the cap when it is below 1×) and any change is a violation.
function speedRule(policy) {
  const rate = policy.playback_rate || {};
  const max = Number(rate.max || 1);
  const free = rate.ui_control !== false && max > 1;
  return { max, free, fixed: Math.min(1, max) };
}

class Playback {
  // ``onClose``: back to the list; ``onReplace(next)``: a new Playback took over this one's place.
  constructor(root, who, video, onClose, onReplace) {
    this.root = root;
    this.who = who;
    this.video = video;
    this.onClose = onClose;
    this.onReplace = onReplace;
    this.queue = [];
    this.flushing = Promise.resolve();
    this.timers = [];
    this.position = 0;
    this.runFrom = 0; // where the current run of playback began
    this.maxWatched = 0;
    this.asked = false; // the next seek is the position bar's
    this.violations = 0;
    this.closed = false;
    this.reverting = false;
    this.lastRate = 1;
  }

  // --- session -------------------------------------------------------------------------------

  async start(resumeAt = null, autoplay = false) {
    this.render();
    try {
      const started = await apiResponse("POST", "/playback/start/", {
        video_id: this.video.id,
        enrollment_id: this.video.enrollment_id,
        device_id: deviceId(),
      });
      this.session = started.data;
      this.noteLifetime(started);
    } catch (error) {
      this.fail(error, START_DENIALS);
      return;
    }
    const watched = await this.watched();
    if (this.closed) {
      // Stopped (or the page left) while starting: the session must not hold a slot.
      api("POST", "/playback/end/", { token: this.session.token }, { keepalive: true }).catch(() => {});
      return;
    }
    this.policy = this.session.policy;
    this.maxWatched = Math.max(this.maxWatched, watched.max);
    this.position = this.runFrom = resumeAt ?? watched.resume;
    this.applyPolicy();
    this.attach(this.session.play_url, this.position, autoplay);
    this.every(HEARTBEAT_MS, () => this.heartbeat());
    this.every(FLUSH_MS, () => this.flush());
  }

  // What lapses first, the token (expires_at) or the media URLs (media_query's exp, shorter),
  // timed by the server's clock (its Date header), so a client clock that is off does not
  // refresh too early or too late. The refresh is due a minute before, or halfway there.
  noteLifetime({ data, headers }) {
    const serverNow = Date.parse(headers.get("Date") || "") || Date.now();
    const media = Number(new URLSearchParams(data.media_query || "").get("exp")) || Infinity;
    const lifetime = Math.min(data.expires_at, media) * 1000 - serverNow;
    this.refreshIn(Math.max(1_000, lifetime - Math.min(REFRESH_LEAD_MS, lifetime / 2)));
  }

  refreshIn(ms) {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), ms);
  }

  // The furthest point watched before (bounded seeking allows up to it) and where to resume.
  async watched() {
    try {
      const rows = await api(
        "GET",
        `/video-progress/?video=${this.video.id}&enrollment=${this.video.enrollment_id}`,
      );
      const row = rows && rows[0];
      if (!row) return { max: 0, resume: 0 };
      const duration = this.video.duration || 0;
      const max = Math.max(row.last_position || 0, (row.progress || 0) * duration);
      const resume = row.completed || row.last_position > duration - 5 ? 0 : row.last_position;
      return { max, resume };
    } catch {
      return { max: 0, resume: 0 };
    }
  }

  async heartbeat() {
    if (this.closed) return;
    try {
      await api("POST", "/playback/heartbeat/", {
        token: this.session.token,
        position: Number(this.el.currentTime.toFixed(2)),
        playback_rate: this.el.playbackRate,
      });
    } catch (error) {
      await this.serverSaid(error);
    }
  }

  async refresh() {
    if (this.closed) return false;
    try {
      const fresh = await apiResponse("POST", "/playback/refresh/", { token: this.session.token });
      if (this.closed) return false;
      const { token, expires_at, play_url, media_query } = fresh.data;
      Object.assign(this.session, { token, expires_at, play_url, media_query });
      this.noteLifetime(fresh);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.detail === "token_expired") {
        // Nothing renews an expired token (the page slept past it): a new session, where we were.
        this.end("This viewing session has expired.", {
          label: "Continue",
          action: () => this.restart(),
        });
        return false;
      }
      await this.serverSaid(error);
      if (!this.closed) this.refreshIn(REFRESH_RETRY_MS); // passing: again, before the lapse
      return false;
    }
  }

  // The answers that end or change the session, from any call after start.
  async serverSaid(error) {
    if (!(error instanceof ApiError) || this.closed) return;
    if (error.status === 409 && error.detail === "session_inactive") {
      this.end(
        this.violations > 0
          ? "This viewing session was revoked after repeated attempts to seek or change the speed against this video's rules. Your instructor can see these attempts."
          : "This viewing session has ended (it expired, or was closed elsewhere).",
      );
    } else if (error.status === 403 && error.detail === "policy_changed") {
      this.end("Your instructor changed the rules for this video.", {
        label: "Continue with the new rules",
        action: () => this.restart(),
      });
    } else if (error.status === 403 && error.detail === "token_expired") {
      await this.refresh();
    } else if (error.status === 401) {
      this.end("Your sign-in has expired. Sign in again to continue.");
    } else if (error.status === 403) {
      this.end(`Playback was refused (${error.detail}).`);
    }
    // Anything else (503, the network) is passing: the next call tries again.
  }

  // A new session under the new rules, where this one stopped; this one is ended first (the
  // server ends a session whatever its policy), so it does not hold a slot of the limits.
  async restart() {
    await api("POST", "/playback/end/", { token: this.session.token }).catch(() => {});
    const next = new Playback(this.root, this.who, this.video, this.onClose, this.onReplace);
    next.maxWatched = this.maxWatched;
    this.onReplace(next); // page-level events and leaving now concern the new session
    next.start(this.stoppedAt, this.wasPlaying);
  }

  // --- media ---------------------------------------------------------------------------------

  attach(url, at, autoplay = !this.el.paused) {
    if (!window.Hls || !window.Hls.isSupported()) {
      this.end("This browser cannot play the lecture (no Media Source Extensions or hls.js).");
      return;
    }
    if (this.hls) this.hls.destroy();
    const hls = new window.Hls({
      startPosition: at,
      enableWorker: true,
      // At most 30 s fetched ahead, whatever the bitrate (hls.js would take up to 600 s of a
      // small one): what a revoked session still holds once its URLs lapse stays short.
      maxBufferLength: 30,
      maxMaxBufferLength: 30,
      // Playlists name absolute signed URLs: keep them on the page's own origin (sameServer),
      // with the latest media_query in (mediaUrl).
      xhrSetup: (xhr, target) => xhr.open("GET", this.mediaUrl(sameServer(target)), true),
    });
    this.hls = hls;
    hls.on(window.Hls.Events.ERROR, (_event, data) => this.mediaError(data));
    if (autoplay) hls.once(window.Hls.Events.MANIFEST_PARSED, () => this.el.play().catch(() => {}));
    hls.loadSource(sameServer(url));
    hls.attachMedia(this.el);
  }

  // Every request for this video's media (under media_query's acl) and for its key carries the
  // latest media_query, whatever query the playlist named: the URLs hls.js holds outlive their
  // signatures, and playback goes on across refreshes without re-attaching (docs/cdn.md).
  mediaUrl(target) {
    const query = this.session.media_query;
    const acl = query && new URLSearchParams(query).get("acl");
    const url = new URL(target);
    if (acl && (url.pathname.startsWith(acl) || url.pathname === `/api/v1/playback/key/${this.video.id}`)) {
      url.search = `?${query}`;
    }
    return url.href;
  }

  mediaError(data) {
    const code = data.response && data.response.code;
    this.report("PLAYER_ERROR", { type: data.type, details: data.details, fatal: data.fatal, code });
    if (!data.fatal) return;
    if (code === 403 || code === 401) {
      // URLs that lapsed all the same (an edge that ignores media_query, a page that slept):
      // take fresh ones and carry on where we were.
      this.refresh().then((ok) => ok && !this.closed && this.attach(this.session.play_url, this.el.currentTime));
    } else if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) {
      this.hls.recoverMediaError();
    } else if (data.type === window.Hls.ErrorTypes.NETWORK_ERROR) {
      this.hls.startLoad(this.el.currentTime);
    } else {
      this.end(`The video could not be played (${data.details}).`);
    }
  }

  // --- policy --------------------------------------------------------------------------------

  applyPolicy() {
    const speed = speedRule(this.policy);
    const rates = speed.free ? RATES.filter((r) => r <= speed.max + 1e-9) : [speed.fixed];
    this.rate.replaceChildren(
      ...rates.map((r) => h("option", { value: r, selected: r === speed.fixed }, `${r}×`)),
    );
    this.rate.disabled = !speed.free;
    this.lastRate = speed.fixed;
    this.el.defaultPlaybackRate = this.el.playbackRate = speed.fixed;
    const mode = (this.policy.seek && this.policy.seek.mode) || "free";
    const rules = [];
    if (mode === "blocked" || (mode === "free" && this.policy.allow_seek === false)) {
      rules.push("seeking is off");
    } else if (mode === "bounded_forward") {
      rules.push("you can skip ahead only up to what you have already watched");
    }
    rules.push(speed.free ? `speed up to ${speed.max}×` : `speed fixed at ${speed.fixed}×`);
    if (this.policy.watermark && this.policy.watermark.enabled) rules.push("watermarked");
    this.rules.textContent = `Rules for this video: ${rules.join(" · ")}.`;
    this.watermark.hidden = !(this.policy.watermark && this.policy.watermark.enabled);
    if (!this.watermark.hidden) {
      this.watermark.textContent = `user ${this.who.user}`;
      this.moveWatermark();
      this.every(4_000, () => this.moveWatermark());
    }
  }

  moveWatermark() {
    this.watermark.style.left = `${5 + Math.random() * 70}%`;
    this.watermark.style.top = `${5 + Math.random() * 80}%`;
    if (!this.stage.contains(this.watermark)) this.stage.append(this.watermark); // removed by hand
  }

  // The furthest point watched grows only with playback that runs on from what was watched
  // already: a run that starts after an allowed skip ahead (within the grace) does not move it,
  // or hops of the grace's length would skip the whole video.
  onTimeUpdate() {
    const now = this.el.currentTime;
    if (!this.el.seeking && !this.reverting && Math.abs(now - this.position) <= 2 * SEEK_TOLERANCE) {
      this.position = now;
      if (this.runFrom <= this.maxWatched + SEEK_TOLERANCE) {
        this.maxWatched = Math.max(this.maxWatched, now);
      }
    }
    if (!this.dragging) this.seek.value = String(now);
    this.time.textContent = `${clock(now)} / ${clock(this.el.duration || this.video.duration)}`;
  }

  onSeeking() {
    const target = this.el.currentTime;
    const asked = this.asked; // by the position bar: a student's seek, judged without tolerance
    this.asked = false;
    if (this.reverting && Math.abs(target - this.position) <= 0.05) return; // our own put-back
    const tolerance = asked ? 0 : SEEK_TOLERANCE;
    if (seekAllowed(this.policy, this.position, target, this.maxWatched, tolerance)) {
      this.reverting = false;
      this.position = target;
      this.runFrom = target;
      return;
    }
    this.reverting = true;
    this.el.currentTime = this.position;
    this.violations += 1;
    this.report("SEEK_ATTEMPT", {
      from: Number(this.position.toFixed(2)),
      to: Number(target.toFixed(2)),
      mode: (this.policy.seek && this.policy.seek.mode) || "free",
    });
    const bounded = this.policy.seek && this.policy.seek.mode === "bounded_forward";
    this.say(
      bounded
        ? `You can skip ahead only up to ${clock(this.maxWatched)}, what you have watched. The attempt was recorded.`
        : "Seeking is not allowed for this video. The attempt was recorded.",
      "warn",
    );
  }

  onRateChange() {
    const rate = this.el.playbackRate;
    const speed = speedRule(this.policy);
    if (speed.free ? rate <= speed.max + 1e-9 : Math.abs(rate - speed.fixed) < 1e-9) {
      this.lastRate = rate;
      return;
    }
    this.el.playbackRate = this.lastRate;
    this.rate.value = String(this.lastRate);
    // Over the cap with the control given is reported but not a violation (judge_event).
    if (!speed.free) this.violations += 1;
    this.report("SPEED_CHANGE_ATTEMPT", { requested: rate, max: speed.max });
    this.say(
      speed.free
        ? `The speed is capped at ${speed.max}× for this video. The attempt was recorded.`
        : `The speed is fixed at ${speed.fixed}× for this video. The attempt was recorded.`,
      "warn",
    );
  }

  // --- events --------------------------------------------------------------------------------

  report(type, payload = {}) {
    if (this.closed) return;
    this.queue.push({ type, occurred_at: Date.now() / 1000, payload });
    if (this.queue.length > QUEUE_MAX) this.queue.splice(0, this.queue.length - QUEUE_MAX);
    // A violation is sent at once, then the session checked: a revocation shows immediately.
    if (URGENT.has(type)) this.flush().then(() => this.heartbeat());
  }

  // One batch in flight at a time; a batch the server did not take goes back to the front. Past
  // the session's event budget (429), nothing is sent before its Retry-After.
  flush() {
    this.flushing = this.flushing.then(async () => {
      while (this.queue.length && !this.closed && !this.holding()) {
        const batch = this.queue.splice(0, BATCH_MAX);
        try {
          await api("POST", "/playback/events/", { token: this.session.token, events: batch });
        } catch (error) {
          const passing = !(error instanceof ApiError) || error.status >= 500 || error.status === 429;
          if (passing || error.detail === "token_expired") this.queue.unshift(...batch);
          if (error instanceof ApiError && error.status === 429) this.holdUntil = Date.now() + retryAfterMs(error);
          await this.serverSaid(error); // a refresh for an expired token; the next flush resends
          return;
        }
      }
    });
    return this.flushing;
  }

  holding() {
    return Date.now() < (this.holdUntil || 0);
  }

  // The page may be going: what is queued leaves now, in a request that outlives the page.
  sendNow() {
    if (this.holding()) return;
    const events = this.queue.splice(0, BATCH_MAX);
    if (!events.length || !this.session) return;
    api("POST", "/playback/events/", { token: this.session.token, events }, { keepalive: true })
      .catch(() => this.queue.unshift(...events));
  }

  // --- lifecycle -----------------------------------------------------------------------------

  every(ms, fn) {
    this.timers.push(setInterval(fn, ms));
  }

  say(text, kind = "") {
    this.notice.className = `notice ${kind}`;
    this.notice.textContent = text;
  }

  fail(error, messages) {
    const detail = error instanceof ApiError ? error.detail : String(error);
    this.end(messages[detail] || `Playback could not start (${detail}).`);
  }

  // The session is over for this page: stop everything, say why, offer what can be done.
  end(message, next = null) {
    this.teardown();
    this.say(message, "error");
    this.notice.append(
      h("div", { className: "actions" },
        next &&
          h("button", {
            className: "primary",
            id: "player-next",
            onclick: (event) => {
              event.target.disabled = true; // one new session, however many clicks
              next.action();
            },
          }, next.label),
        h("button", { id: "player-back", onclick: () => this.onClose() }, "Back to the videos"),
      ),
    );
  }

  teardown() {
    this.closed = true;
    this.timers.forEach((t) => clearInterval(t)); // clears timeouts as well
    this.timers = [];
    clearTimeout(this.refreshTimer);
    if (this.el) {
      // Before hls.js lets go of the element, which resets its clock.
      this.wasPlaying = !this.el.paused;
      this.stoppedAt = this.el.currentTime;
      this.el.pause();
    }
    if (this.hls) this.hls.destroy();
    this.hls = null;
    if (this.controls) this.controls.hidden = true;
    if (this.watermark) this.watermark.hidden = true;
  }

  // The student stops, or leaves the page: end the session. Leaving, what is still queued goes
  // first, in its own keepalive request (most went already when the page was hidden); the two
  // requests may cross, and events that arrive after the end are refused.
  async stop({ leaving = false } = {}) {
    if (this.closed) return;
    if (!this.session) {
      this.teardown(); // start() sees it and ends the session it gets
      return;
    }
    const token = this.session.token;
    if (leaving) {
      this.sendNow();
      this.teardown();
      api("POST", "/playback/end/", { token }, { keepalive: true }).catch(() => {});
      return;
    }
    await this.flush();
    this.teardown();
    try {
      await api("POST", "/playback/end/", { token });
    } catch {
      // Ended or expired already: nothing to undo.
    }
  }

  render() {
    this.el = h("video", { id: "video", playsinline: true, preload: "auto" });
    this.watermark = h("div", { id: "watermark", className: "watermark", hidden: true });
    this.stage = h("div", { id: "stage", className: "stage" }, this.el, this.watermark);
    this.seek = h("input", { id: "seek", type: "range", min: 0, step: 0.1, value: 0, "aria-label": "Position" });
    this.time = h("span", { id: "time", className: "time" }, "0:00");
    this.rate = h("select", { id: "rate", "aria-label": "Speed" });
    const play = h("button", { id: "play-pause", className: "primary" }, "Play");
    const full = h("button", { id: "fullscreen" }, "Full screen");
    const stop = h("button", { id: "stop" }, "Stop");
    this.controls = h("div", { className: "controls" }, play, this.seek, this.time, this.rate, full, stop);
    this.notice = h("div", { id: "notice", className: "notice", role: "alert" });
    this.rules = h("p", { id: "rules", className: "muted" });
    // Picture and controls go full screen together: the controls (and a way out) stay usable.
    this.frame = h("div", { id: "frame", className: "frame" }, this.stage, this.controls);
    this.root.replaceChildren(h("h2", {}, this.video.title), this.frame, this.rules, this.notice);

    const el = this.el;
    play.addEventListener("click", () => (el.paused ? el.play() : el.pause()));
    el.addEventListener("play", () => (play.textContent = "Pause"));
    el.addEventListener("pause", () => (play.textContent = "Play"));
    el.addEventListener("loadedmetadata", () => (this.seek.max = String(el.duration)));
    el.addEventListener("timeupdate", () => this.onTimeUpdate());
    el.addEventListener("seeking", () => this.onSeeking());
    el.addEventListener("seeked", () => {
      this.reverting = false;
      this.asked = false;
    });
    el.addEventListener("ratechange", () => this.onRateChange());
    el.addEventListener("error", () =>
      this.report("PLAYER_ERROR", { details: "media_element", code: el.error && el.error.code }),
    );
    // The bar asks for a seek only when released; the seeking guard decides.
    this.seek.addEventListener("input", () => (this.dragging = true));
    this.seek.addEventListener("change", () => {
      this.dragging = false;
      this.asked = true;
      el.currentTime = Number(this.seek.value);
    });
    this.rate.addEventListener("change", () => (el.playbackRate = Number(this.rate.value)));
    full.addEventListener("click", () =>
      document.fullscreenElement ? document.exitFullscreen() : this.frame.requestFullscreen(),
    );
    stop.addEventListener("click", async () => {
      await this.stop();
      this.onClose();
    });
  }
}

// --- the page ----------------------------------------------------------------------------------

const app = document.getElementById("app");
let current = null;

function track() {
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

async function showPicker(who) {
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
  app.replaceChildren(h("label", {}, "Session ", select), h("div", { id: "videos" }));
  await showVideos(who, Number(select.value));
}

function play(who, video, sessionId) {
  const stage = h("section", { id: "player" });
  app.replaceChildren(stage);
  current = new Playback(stage, who, video, () => showPicker(who), (next) => (current = next));
  history.replaceState(null, "", `?session=${sessionId}&video=${video.id}`);
  current.start();
}

requireLogin(app, ["student"], (who) => {
  document.getElementById("who").replaceChildren(
    `user ${who.user} · ${who.tenant} `,
    signOutButton(),
  );
  track();
  showPicker(who);
});
