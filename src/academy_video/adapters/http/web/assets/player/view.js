// The player's part of the page: the video in its frame with the watermark, the controls, the
// rules line and the notice. It shows what it is told and hands the student's actions to the
// playback (`on`); the playback decides.

import { clock, h } from "../api.js";
import { offeredRates, seekMode } from "./policy.js";

export class PlayerView {
  // `on`: timeupdate(), seeking(), seeked(), ratechange(), error(code), seekAsked(to), stop().
  constructor(root, video, on) {
    this.video = video;
    this.el = h("video", { id: "video", playsinline: true, preload: "auto" });
    this.watermark = h("div", { id: "watermark", className: "watermark", hidden: true });
    // The chosen caption track's cues, under the picture (captions.js draws them).
    this.captionBox = h("div", { id: "captions", className: "captions", hidden: true });
    this.stage = h("div", { id: "stage", className: "stage" }, this.el, this.captionBox, this.watermark);
    this.seek = h("input", { id: "seek", type: "range", min: 0, step: 0.1, value: 0, "aria-label": "Position" });
    this.time = h("span", { id: "time", className: "time" }, "0:00");
    this.rate = h("select", { id: "rate", "aria-label": "Speed" });
    const play = h("button", { id: "play-pause", className: "primary" }, "Play");
    // The caption language: shown once the lecture has tracks; its label names it for screen readers.
    this.captionMenu = h("select", { id: "captions-menu" });
    this.captionChoice = h("label", { className: "caption-choice" }, "Captions ", this.captionMenu);
    const full = h("button", { id: "fullscreen" }, "Full screen");
    const stop = h("button", { id: "stop" }, "Stop");
    this.controls = h("div", { className: "controls" }, play, this.seek, this.time, this.rate, this.captionChoice, full, stop);
    this.notice = h("div", { id: "notice", className: "notice", role: "alert" });
    this.rules = h("p", { id: "rules", className: "muted" });
    // Picture and controls go full screen together: the controls (and a way out) stay usable.
    this.frame = h("div", { id: "frame", className: "frame" }, this.stage, this.controls);
    root.replaceChildren(h("h2", {}, video.title), this.frame, this.rules, this.notice);

    const el = this.el;
    play.addEventListener("click", () => (el.paused ? el.play() : el.pause()));
    el.addEventListener("play", () => (play.textContent = "Pause"));
    el.addEventListener("pause", () => (play.textContent = "Play"));
    el.addEventListener("loadedmetadata", () => (this.seek.max = String(el.duration)));
    el.addEventListener("timeupdate", () => on.timeupdate());
    el.addEventListener("seeking", () => on.seeking());
    el.addEventListener("seeked", () => on.seeked());
    el.addEventListener("ratechange", () => on.ratechange());
    el.addEventListener("error", () => on.error(el.error && el.error.code));
    // The bar asks for a seek only when released; the playback's seeking guard decides.
    this.seek.addEventListener("input", () => (this.dragging = true));
    this.seek.addEventListener("change", () => {
      this.dragging = false;
      on.seekAsked(Number(this.seek.value));
    });
    this.rate.addEventListener("change", () => (el.playbackRate = Number(this.rate.value)));
    full.addEventListener("click", () =>
      document.fullscreenElement ? document.exitFullscreen() : this.frame.requestFullscreen(),
    );
    stop.addEventListener("click", () => on.stop());
  }

  // The speed menu: the rates the rule offers (`speedRule`), disabled when the rate is fixed.
  showRates(speed) {
    this.rate.replaceChildren(
      ...offeredRates(speed).map((r) => h("option", { value: r, selected: r === speed.fixed }, `${r}×`)),
    );
    this.rate.disabled = !speed.free;
  }

  showRate(rate) {
    this.rate.value = String(rate);
  }

  showRules(policy, speed) {
    const mode = seekMode(policy);
    const rules = [];
    if (mode === "blocked" || (mode === "free" && policy.allow_seek === false)) {
      rules.push("seeking is off");
    } else if (mode === "bounded_forward") {
      rules.push("you can skip ahead only up to what you have already watched");
    }
    rules.push(speed.free ? `speed up to ${speed.max}×` : `speed fixed at ${speed.fixed}×`);
    if (policy.watermark && policy.watermark.enabled) rules.push("watermarked");
    this.rules.textContent = `Rules for this video: ${rules.join(" · ")}.`;
  }

  // Whether the policy asks for a watermark; when it does, `user <id>` over the picture.
  showWatermark(policy, who) {
    this.watermark.hidden = !(policy.watermark && policy.watermark.enabled);
    if (!this.watermark.hidden) this.watermark.textContent = `user ${who.user}`;
    return !this.watermark.hidden;
  }

  moveWatermark() {
    this.watermark.style.left = `${5 + Math.random() * 70}%`;
    this.watermark.style.top = `${5 + Math.random() * 80}%`;
    if (!this.stage.contains(this.watermark)) this.stage.append(this.watermark); // removed by hand
  }

  showTime(now) {
    if (!this.dragging) this.seek.value = String(now);
    this.time.textContent = `${clock(now)} / ${clock(this.el.duration || this.video.duration)}`;
  }

  say(text, kind = "") {
    this.notice.className = `notice ${kind}`;
    this.notice.textContent = text;
  }

  // The session is over: why, and what can be done (`next`: {label, action}, or null).
  showEnd(message, next, onBack) {
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
        h("button", { id: "player-back", onclick: onBack }, "Back to the videos"),
      ),
    );
  }

  hideControls() {
    this.controls.hidden = true;
    this.watermark.hidden = true;
  }
}
