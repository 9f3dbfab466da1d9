// When a session is refreshed: before what lapses first, the token (expires_at) or the media URLs
// (media_query's exp, shorter), timed by the server's clock (its Date header), so a client clock
// that is off does not refresh too early or too late.

const REFRESH_LEAD_MS = 60_000; // refresh this long before the first lapse (half, if shorter)

// In how many ms to refresh, from a start's or refresh's answer (`apiResponse`'s).
export function refreshDelay({ data, headers }) {
  const serverNow = Date.parse(headers.get("Date") || "") || Date.now();
  const media = Number(new URLSearchParams(data.media_query || "").get("exp")) || Infinity;
  const lifetime = Math.min(data.expires_at, media) * 1000 - serverNow;
  return Math.max(1_000, lifetime - Math.min(REFRESH_LEAD_MS, lifetime / 2));
}
