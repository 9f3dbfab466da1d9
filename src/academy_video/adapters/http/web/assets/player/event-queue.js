// The player events on their way to POST /playback/events: queued, sent in batches (one batch in
// flight at a time), kept across failures that pass, held back past the session's event budget,
// and sent in a request that outlives the page when the page may be going.

import { api, ApiError } from "../api.js";

const BATCH_MAX = 200; // ACADEMY_VIDEO_EVENT_BATCH_MAX's default
const QUEUE_MAX = 1_000; // kept while the network is away; the oldest go first
const RETRY_AFTER_MS = 60_000; // a 429 that does not say how long to wait

// How long a 429 asks us to wait: Retry-After in seconds (or as a date).
function retryAfterMs(error) {
  const value = error.headers.get("Retry-After") || "";
  const seconds = Number(value);
  if (value && Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : RETRY_AFTER_MS;
}

export class EventQueue {
  // `token()`: the session's current token (none before it has started); `onRefused(error)`:
  // what the session makes of a refusal (a refresh for an expired token, its end).
  constructor(token, onRefused) {
    this.token = token;
    this.onRefused = onRefused;
    this.queue = [];
    this.flushing = Promise.resolve();
    this.holdUntil = 0;
    this.closed = false; // the session is over: nothing more is sent
  }

  add(type, payload) {
    this.queue.push({ type, occurred_at: Date.now() / 1000, payload });
    if (this.queue.length > QUEUE_MAX) this.queue.splice(0, this.queue.length - QUEUE_MAX);
  }

  // A batch the server did not take goes back to the front. Past the session's event budget
  // (429), nothing is sent before its Retry-After.
  flush() {
    this.flushing = this.flushing.then(async () => {
      while (this.queue.length && !this.closed && !this.holding()) {
        const batch = this.queue.splice(0, BATCH_MAX);
        try {
          await api("POST", "/playback/events/", { token: this.token(), events: batch });
        } catch (error) {
          const passing = !(error instanceof ApiError) || error.status >= 500 || error.status === 429;
          if (passing || error.detail === "token_expired") this.queue.unshift(...batch);
          if (error instanceof ApiError && error.status === 429) this.holdUntil = Date.now() + retryAfterMs(error);
          await this.onRefused(error); // a refresh for an expired token; the next flush resends
          return;
        }
      }
    });
    return this.flushing;
  }

  holding() {
    return Date.now() < this.holdUntil;
  }

  // The page may be going: what is queued leaves now, in a request that outlives the page.
  sendNow() {
    if (this.holding()) return;
    const events = this.queue.splice(0, BATCH_MAX);
    const token = this.token();
    if (!events.length || !token) return;
    api("POST", "/playback/events/", { token, events }, { keepalive: true })
      .catch(() => this.queue.unshift(...events));
  }

  close() {
    this.closed = true;
  }
}
