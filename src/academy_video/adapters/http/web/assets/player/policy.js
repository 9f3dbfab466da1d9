// The video's policy as the server judges it (domain/policy.py: judge_event): the player blocks,
// and reports, exactly the seeks and speed changes the server counts as violations.

export const RATES = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
// Moves smaller than this are the player's own (buffer-gap nudges, timeupdate jitter), not seeks.
export const SEEK_TOLERANCE = 1.0;

export function seekMode(policy) {
  return (policy.seek && policy.seek.mode) || "free";
}

// What may the student seek to, from `from`, under `policy`? A `bounded_forward` mode allows any
// target up to the furthest point watched plus the grace; `blocked`, or a video without seeking
// (allow_seek false) and no bounded mode, allows none. A move within `tolerance` is not a seek
// (the student's own moves have none; hls.js's nudges do).
export function seekAllowed(policy, from, target, maxWatched, tolerance) {
  if (Math.abs(target - from) <= tolerance) return true;
  const mode = seekMode(policy);
  if (mode === "blocked") return false;
  if (mode === "bounded_forward") {
    return target <= maxWatched + (policy.seek.grace_seconds || 0);
  }
  return policy.allow_seek !== false;
}

// The speed rule, as judge_event has it: with the control given and a cap above 1×, any rate up
// to the cap is the student's (a higher one is put back, reported, not a violation); otherwise
// the rate is fixed (at the cap when it is below 1×) and any change is a violation.
export function speedRule(policy) {
  const rate = policy.playback_rate || {};
  const max = Number(rate.max || 1);
  const free = rate.ui_control !== false && max > 1;
  return { max, free, fixed: Math.min(1, max) };
}

// Whether `rate` keeps to the rule (`speedRule(policy)`).
export function rateAllowed(speed, rate) {
  return speed.free ? rate <= speed.max + 1e-9 : Math.abs(rate - speed.fixed) < 1e-9;
}

// The rates the speed menu offers.
export function offeredRates(speed) {
  return speed.free ? RATES.filter((r) => r <= speed.max + 1e-9) : [speed.fixed];
}

// Where a lecture asked to open at `asked` (a search result's time) starts: there when the policy
// allows a seek there from where it would start anyway (`resume`: where the student left off, 0
// for a new lecture), judged like the position bar's (no tolerance); else at `resume`, with the
// mode that refused it (`refused`). The server never takes a start position: this is the seek
// rule the player keeps for every seek, and progress credits only what is played on from there.
export function openingAt(policy, asked, resume, maxWatched) {
  if (asked === null || asked === undefined || seekAllowed(policy, resume, asked, maxWatched, 0)) {
    return { at: asked ?? resume, refused: null };
  }
  return { at: resume, refused: seekMode(policy) };
}
