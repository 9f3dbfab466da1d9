// One viewing session, start to end: POST /playback/start, the policy applied as the server judges
// it, heartbeats with the position, the player events, refreshes before the token or the media
// URLs lapse, and a clear message whenever the server ends or changes the session. Its parts: the
// page (view.js), the policy's guard on the video (guard.js), the media (media.js) and the
// events' queue (event-queue.js).

import { api, ApiError, apiResponse } from "../api.js";
import { Captions } from "./captions.js";
import { deviceId } from "./device.js";
import { EventQueue } from "./event-queue.js";
import { PolicyGuard } from "./guard.js";
import { HlsMedia } from "./media.js";
import { openingAt } from "./policy.js";
import { watchedBefore } from "./progress.js";
import { refreshDelay } from "./refresh-timing.js";
import { refusedNote } from "./search.js";
import { EXPIRED, RENEW, sessionAnswer } from "./session-answers.js";
import { START_DENIALS } from "./start-denials.js";
import { PlayerView } from "./view.js";

const HEARTBEAT_MS = 10_000;
const FLUSH_MS = 5_000;
const WATERMARK_MOVE_MS = 4_000;
const URGENT = new Set(["SEEK_ATTEMPT", "SPEED_CHANGE_ATTEMPT"]);
const REFRESH_RETRY_MS = 2_000; // after a failure that may pass (the network, a 503)

export class Playback {
  // ``onClose``: back to the list; ``onReplace(next)``: a new Playback took over this one's place.
  // The player is drawn in ``root`` at once; start() asks the server for the session.
  constructor(root, who, video, onClose, onReplace) {
    this.root = root;
    this.who = who;
    this.video = video;
    this.onClose = onClose;
    this.onReplace = onReplace;
    this.timers = [];
    this.closed = false;
    this.events = new EventQueue(
      () => this.session && this.session.token,
      (error) => this.serverSaid(error),
    );
    this.view = new PlayerView(root, video, {
      timeupdate: () => this.guard.onTimeUpdate(),
      seeking: () => this.guard.onSeeking(),
      seeked: () => this.guard.onSeeked(),
      ratechange: () => this.guard.onRateChange(),
      error: (code) => this.report("PLAYER_ERROR", { details: "media_element", code }),
      seekAsked: (to) => this.guard.ask(to),
      stop: async () => {
        await this.stop();
        this.onClose();
      },
    });
    this.el = this.view.el;
    this.guard = new PolicyGuard(this.el, this.view, (type, payload) => this.report(type, payload));
    const mediaQuery = () => this.session.media_query;
    this.media = new HlsMedia(
      this.el,
      video.id,
      mediaQuery,
      (data) => this.mediaError(data),
      (tracks, current) => this.captions.loaded(tracks, current),
    );
    const { captionChoice: choice, captionMenu: menu, captionBox: box } = this.view;
    this.captions = new Captions(this.el, { choice, menu, box }, (index) => this.media.showSubtitles(index));
  }

  // --- session -------------------------------------------------------------------------------

  // `resumeAt`: where a restart under new rules goes on; `asked`: a time to open at (a search
  // result's), taken only when the seek rules allow it (policy.js `openingAt`), else said why.
  async start(resumeAt = null, autoplay = false, asked = null) {
    try {
      const started = await apiResponse("POST", "/playback/start/", {
        video_id: this.video.id,
        enrollment_id: this.video.enrollment_id,
        device_id: deviceId(),
      });
      this.session = started.data;
      this.refreshIn(refreshDelay(started));
    } catch (error) {
      this.fail(error);
      return;
    }
    const watched = await watchedBefore(this.video);
    if (this.closed) {
      // Stopped (or the page left) while starting: the session must not hold a slot.
      api("POST", "/playback/end/", { token: this.session.token }, { keepalive: true }).catch(() => {});
      return;
    }
    const opening = openingAt(this.session.policy, asked, resumeAt ?? watched.resume, watched.max);
    const at = opening.at;
    this.guard.watchedUpTo(watched.max);
    this.guard.startAt(at);
    this.applyPolicy(this.session.policy);
    if (opening.refused) this.view.say(refusedNote(asked, opening, this.guard.maxWatched), "warn");
    this.attach(this.session.play_url, at, autoplay);
    this.every(HEARTBEAT_MS, () => this.heartbeat());
    this.every(FLUSH_MS, () => this.events.flush());
  }

  refreshIn(ms) {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.refresh(), ms);
  }

  async heartbeat() {
    if (this.closed) return;
    const sent = this.session.token;
    try {
      const beat = await api("POST", "/playback/heartbeat/", {
        token: sent,
        position: Number(this.el.currentTime.toFixed(2)),
        playback_rate: this.el.playbackRate,
      });
      // Changed rules that take nothing away come with a token for them; one a refresh
      // replaced meanwhile is newer (and carries them too).
      if (beat && beat.policy && beat.token && this.session.token === sent) {
        this.session.token = beat.token;
        this.rulesChanged(beat.policy, beat.change);
      }
    } catch (error) {
      await this.serverSaid(error);
    }
  }

  async refresh() {
    if (this.closed) return false;
    try {
      const fresh = await apiResponse("POST", "/playback/refresh/", { token: this.session.token });
      if (this.closed) return false;
      const { token, expires_at, play_url, media_query, policy, change } = fresh.data;
      Object.assign(this.session, { token, expires_at, play_url, media_query });
      if (policy) this.rulesChanged(policy, change);
      this.refreshIn(refreshDelay(fresh));
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.detail === "token_expired") {
        this.end(EXPIRED); // a new session, where we were, if the student wants
        return false;
      }
      await this.serverSaid(error);
      if (!this.closed) this.refreshIn(REFRESH_RETRY_MS); // passing: again, before the lapse
      return false;
    }
  }

  // The answers that end or change the session, from any call after start (session-answers.js).
  async serverSaid(error) {
    if (!(error instanceof ApiError) || this.closed) return;
    const answer = sessionAnswer(error, this.guard.violations);
    if (answer === RENEW) await this.refresh();
    else if (answer) this.end(answer);
  }

  // A new session under the new rules, where this one stopped; this one is ended first (the
  // server ends a session whatever its policy), so it does not hold a slot of the limits.
  async restart() {
    await api("POST", "/playback/end/", { token: this.session.token }).catch(() => {});
    const next = new Playback(this.root, this.who, this.video, this.onClose, this.onReplace);
    next.guard.watchedUpTo(this.guard.maxWatched);
    this.onReplace(next); // page-level events and leaving now concern the new session
    next.start(this.stoppedAt, this.wasPlaying);
  }

  // --- media ---------------------------------------------------------------------------------

  attach(url, at, autoplay = !this.el.paused) {
    if (!HlsMedia.supported()) {
      this.end({ message: "This browser cannot play the lecture (no Media Source Extensions or hls.js)." });
      return;
    }
    this.media.attach(url, at, autoplay);
  }

  mediaError(data) {
    const code = data.response && data.response.code;
    this.report("PLAYER_ERROR", { type: data.type, details: data.details, fatal: data.fatal, code });
    if (!data.fatal) return;
    if (code === 403 || code === 401) {
      // URLs that lapsed all the same (an edge that ignores media_query, a page that slept):
      // take fresh ones and carry on where we were.
      this.refresh().then((ok) => ok && !this.closed && this.attach(this.session.play_url, this.el.currentTime));
    } else if (!this.media.recover(data)) {
      this.end({ message: `The video could not be played (${data.details}).` });
    }
  }

  // --- policy (guard.js) ---------------------------------------------------------------------

  applyPolicy(policy) {
    this.guard.apply(policy);
    const marked = this.view.showWatermark(policy, this.who);
    if (marked && !this.watermarkTimer) {
      this.view.moveWatermark();
      this.watermarkTimer = setInterval(() => this.view.moveWatermark(), WATERMARK_MOVE_MS);
      this.timers.push(this.watermarkTimer);
    } else if (!marked && this.watermarkTimer) {
      clearInterval(this.watermarkTimer);
      this.watermarkTimer = null;
    }
  }

  // The server moved the session to rules that take nothing away (a completed `once` video
  // becomes free, a wider speed cap, seeking allowed, the watermark removed): applied in
  // place, the video plays on. Only `loosened` is announced: `unchanged` means nothing the
  // student can do changed (the video's cap raised above the student's own, say). Rules that
  // tighten end the session instead (policy_changed).
  rulesChanged(policy, change) {
    if (this.closed) return;
    this.session.policy = policy;
    this.applyPolicy(policy);
    if (change === "loosened") {
      this.view.say("The rules for this video were relaxed; playback goes on under the new ones.");
    }
  }

  // --- events (event-queue.js) ---------------------------------------------------------------

  report(type, payload = {}) {
    if (this.closed) return;
    this.events.add(type, payload);
    // A violation is sent at once, then the session checked: a revocation shows immediately.
    if (URGENT.has(type)) this.events.flush().then(() => this.heartbeat());
  }

  // The page may be going: what is queued leaves now (keepalive).
  sendNow() {
    this.events.sendNow();
  }

  // --- lifecycle -----------------------------------------------------------------------------

  every(ms, fn) {
    this.timers.push(setInterval(fn, ms));
  }

  fail(error) {
    const detail = error instanceof ApiError ? error.detail : String(error);
    this.end({ message: START_DENIALS[detail] || `Playback could not start (${detail}).` });
  }

  // The session is over for this page: stop everything, say why, offer what can be done (with
  // `restart`, its label: a new session where this one stopped).
  end({ message, restart = null }) {
    this.teardown();
    const next = restart && { label: restart, action: () => this.restart() };
    this.view.showEnd(message, next, () => this.onClose());
  }

  teardown() {
    this.closed = true;
    this.events.close();
    this.timers.forEach((t) => clearInterval(t)); // clears timeouts as well
    this.timers = [];
    clearTimeout(this.refreshTimer);
    // Before hls.js lets go of the element, which resets its clock.
    this.wasPlaying = !this.el.paused;
    this.stoppedAt = this.el.currentTime;
    this.el.pause();
    this.media.destroy();
    this.view.hideControls();
  }

  // The student stops, or leaves the page: end the session. Leaving, the end carries what is
  // still queued (`events`, stored before the session ends): ONE keepalive request, as a page
  // that is gone runs no more code. Two (the events, then the end) could cross, and events that
  // arrive after the end are refused; the end cannot wait for their answer either.
  async stop({ leaving = false } = {}) {
    if (this.closed) return;
    if (!this.session) {
      this.teardown(); // start() sees it and ends the session it gets
      return;
    }
    const token = this.session.token;
    if (leaving) {
      const body = this.events.endBody(token);
      this.teardown();
      api("POST", "/playback/end/", body, { keepalive: true }).catch(() => {});
      return;
    }
    await this.events.flush();
    this.teardown();
    try {
      await api("POST", "/playback/end/", { token });
    } catch {
      // Ended or expired already: nothing to undo.
    }
  }
}
