// The policy kept on the video element (policy.js has the rules): a seek the policy refuses is
// put back, a rate it refuses is set back, both reported and explained; the furthest point
// watched, which bounded seeking allows up to, grows with what is watched.

import { clock } from "../api.js";
import { SEEK_TOLERANCE, rateAllowed, seekAllowed, seekMode, speedRule } from "./policy.js";

export class PolicyGuard {
  // `report(type, payload)`: an attempt, for the server; `view`: where the student is told.
  constructor(el, view, report) {
    this.el = el;
    this.view = view;
    this.report = report;
    this.position = 0;
    this.runFrom = 0; // where the current run of playback began
    this.maxWatched = 0;
    this.asked = false; // the next seek is the position bar's
    this.reverting = false;
    this.lastRate = 1;
    this.violations = 0;
  }

  watchedUpTo(max) {
    this.maxWatched = Math.max(this.maxWatched, max);
  }

  startAt(position) {
    this.position = this.runFrom = position;
  }

  // The policy from now on: at the start, and again when the server hands over rules that
  // loosened mid-session (a rate the new rule still allows is kept, the furthest point watched
  // too).
  apply(policy) {
    this.policy = policy;
    const speed = speedRule(policy);
    this.view.showRates(speed);
    const rate = rateAllowed(speed, this.el.playbackRate) ? this.el.playbackRate : speed.fixed;
    this.lastRate = rate;
    this.el.defaultPlaybackRate = this.el.playbackRate = rate;
    this.view.showRate(rate);
    this.view.showRules(policy, speed);
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
    this.view.showTime(now);
  }

  // The position bar asks for a seek (when released).
  ask(to) {
    this.asked = true;
    this.el.currentTime = to;
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
    const mode = seekMode(this.policy);
    this.report("SEEK_ATTEMPT", {
      from: Number(this.position.toFixed(2)),
      to: Number(target.toFixed(2)),
      mode,
    });
    this.view.say(
      mode === "bounded_forward"
        ? `You can skip ahead only up to ${clock(this.maxWatched)}, what you have watched. The attempt was recorded.`
        : "Seeking is not allowed for this video. The attempt was recorded.",
      "warn",
    );
  }

  onSeeked() {
    this.reverting = false;
    this.asked = false;
  }

  onRateChange() {
    const rate = this.el.playbackRate;
    const speed = speedRule(this.policy);
    if (rateAllowed(speed, rate)) {
      this.lastRate = rate;
      return;
    }
    this.el.playbackRate = this.lastRate;
    this.view.showRate(this.lastRate);
    // Over the cap with the control given is reported but not a violation (judge_event).
    if (!speed.free) this.violations += 1;
    this.report("SPEED_CHANGE_ATTEMPT", { requested: rate, max: speed.max });
    this.view.say(
      speed.free
        ? `The speed is capped at ${speed.max}× for this video. The attempt was recorded.`
        : `The speed is fixed at ${speed.fixed}× for this video. The attempt was recorded.`,
      "warn",
    );
  }
}
