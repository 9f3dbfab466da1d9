// The open video's delivery figures (READY only): what one viewer fetches for an hour of it at
// each quality (players pick one rung at a time), tallest rung first, and, in the tooltip, what
// the whole ladder takes per hour stored. Asked once per version of the video (its updated_at),
// not on every poll; nothing shown when the video is not READY or its figures are unknown
// (published before they were stored: `academy-video media inspect` measures those).

import { api, h } from "../api.js";

const GB = 1e9;
const answers = new Map(); // `${id}|${updated_at}` → the answer, or null while it is on its way

export function gigabytes(bytes) {
  const value = bytes / GB;
  return value >= 0.1 ? value.toFixed(2) : value.toFixed(3);
}

export function deliveryText(answer) {
  if (!answer || !answer.rungs.length) return "";
  const rungs = [...answer.rungs].sort((a, b) => b.height - a.height);
  return rungs.map((r) => `${gigabytes(r.bytes_per_hour)} GB/h at ${r.name}`).join(" · ");
}

function render(slot, answer) {
  const text = deliveryText(answer);
  slot.hidden = !text;
  slot.replaceChildren(...(text ? [h("span", { className: "label" }, "Per viewer-hour: "), text] : []));
  slot.title = text
    ? `Bytes one viewer fetches for an hour of this video at each quality. ` +
      `Every quality stored: ${gigabytes(answer.bytes_per_hour)} GB per hour of video.`
    : "";
}

export function showDelivery(v) {
  const slot = document.getElementById("video-delivery");
  if (!slot) return;
  const key = `${v.id}|${v.updated_at}`;
  slot.dataset.key = key;
  if (v.status !== "READY") return render(slot, null);
  if (answers.has(key)) return render(slot, answers.get(key));
  answers.set(key, null);
  render(slot, null);
  api("GET", `/videos/${v.id}/delivery/`)
    .then((answer) => {
      answers.set(key, answer);
      if (slot.isConnected && slot.dataset.key === key) render(slot, answer);
    })
    .catch(() => answers.delete(key)); // asked again at the next poll; the card shows nothing
}
