// The player events on their way to POST /playback/events: queued, sent in batches (one batch in
// flight at a time), kept across failures that pass, held back past the session's event budget,
// and sent in a request that outlives the page when the page may be going, or carried by the
// end when it goes.

import { api, ApiError } from "../api.js";

const BATCH_MAX = 200; // ACADEMY_VIDEO_EVENT_BATCH_MAX's default
const QUEUE_MAX = 1_000; // kept while the network is away; the oldest go first
const RETRY_AFTER_MS = 60_000; // a 429 that does not say how long to wait
// The body of one keepalive request, at most. A browser refuses a keepalive request when the
// bodies of the page's keepalive requests still in flight would pass 64 KiB together (Fetch's
// "inflight keepalive bytes"; sendBeacon counts alike), and a page that closes may have two in
// flight: the queue sent when it was hidden, and the end. Each stays under half, with room for
// the token-only end of a session that started while the page was closing: the end must leave.
export const KEEPALIVE_BODY_MAX = 30 * 1024;

const encoder = new TextEncoder();
const bytes = (value) => encoder.encode(JSON.stringify(value)).length;

// The oldest events (at most a batch) that fit one keepalive request beside the rest of its body.
function fitting(events, rest) {
  let size = bytes({ ...rest, events: [] });
  const taken = [];
  for (const event of events.slice(0, BATCH_MAX)) {
    size += bytes(event) + (taken.length ? 1 : 0); // and the comma between two
    if (size > KEEPALIVE_BODY_MAX) break;
    taken.push(event);
  }
  return taken;
}

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

  // The page may be going: what is queued leaves now, in a request that outlives the page (what
  // does not fit one stays queued, for the next flush or the end).
  sendNow() {
    const token = this.token();
    if (this.holding() || !token) return;
    const events = this.queue.splice(0, fitting(this.queue, { token }).length);
    if (!events.length) return;
    api("POST", "/playback/events/", { token, events }, { keepalive: true })
      .catch(() => this.queue.unshift(...events));
  }

  // The page is going and the session ends: the body of the one keepalive end request, with
  // what is queued (the oldest that fit; past the session's budget, none: they would be
  // refused). The queue is done with: nothing else leaves a page that is gone.
  endBody(token) {
    const events = this.holding() ? [] : fitting(this.queue, { token });
    this.queue = [];
    this.close();
    return { token, events };
  }

  close() {
    this.closed = true;
  }
}
