// The playback event types and time ranges the analytics accept, as the server lists them
// (GET /video-playback-events/filters, from the domain's event types and the analytics' ranges):
// asked once per page, so the console holds no copy of either.

import { api, h } from "../api.js";

let answer = null;

export function eventFilters() {
  answer ??= api("GET", "/video-playback-events/filters").catch((err) => {
    answer = null; // asked again by the next tab that needs them
    throw err;
  });
  return answer;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

// "Last 24 hours", "Last 7 days", "All time": said from how far back the range reaches.
export function rangeLabel({ key, seconds }) {
  if (seconds === null) return "All time";
  if (seconds > DAY && seconds % DAY === 0) return `Last ${seconds / DAY} days`;
  if (seconds % HOUR === 0) return seconds === HOUR ? "Last hour" : `Last ${seconds / HOUR} hours`;
  return key;
}

export function rangeSelect(id, ranges, value, onchange) {
  return h(
    "select",
    { id, onchange },
    ranges.map((range) => h("option", { value: range.key, selected: range.key === value }, rangeLabel(range))),
  );
}
