// The lecture's caption tracks (the published ones, which the master names as hls.js subtitle
// tracks): the language menu, the student's choice kept in localStorage for every lecture, and
// the cues of the chosen track drawn under the picture. The browser's own rendering is off
// (hls.js's `subtitleDisplay`: the track is "hidden", its cues still timed): drawn here, the
// cues stay inside the stage, beside the watermark, in full screen too, and look the same in
// every browser.

import { h } from "../api.js";

const CHOICE_KEY = "academy-video.captions";
export const OFF = "off";
const TEXT_KINDS = new Set(["subtitles", "captions"]);

export function rememberedChoice() {
  return localStorage.getItem(CHOICE_KEY) || "";
}

function primary(tag) {
  return String(tag || "").toLowerCase().split("-")[0];
}

// The track to show for a remembered choice: -1 when captions were turned off, the track of the
// same language (else of the same primary language: `ko` for `ko-KR`), or `fallback` (hls.js's
// pick: the video's default track, or none) when nothing was chosen or no track matches.
export function trackFor(choice, tracks, fallback) {
  if (choice === OFF) return -1;
  if (!choice) return fallback;
  const wanted = choice.toLowerCase();
  const exact = tracks.findIndex((t) => String(t.lang || "").toLowerCase() === wanted);
  if (exact > -1) return exact;
  const near = tracks.findIndex((t) => primary(t.lang) === primary(wanted));
  return near > -1 ? near : fallback;
}

export class Captions {
  // `el`: the video element; `choice`: the menu's <label> (hidden without tracks) and its
  // <select>; `box`: where the cues are drawn; `select(index)`: hls.js's subtitleTrack (-1: off).
  constructor(el, { choice, menu, box }, select) {
    this.el = el;
    this.choice = choice;
    this.menu = menu;
    this.box = box;
    this.select = select;
    this.tracks = [];
    this.drawn = [];
    this.choice.hidden = true; // a lecture without tracks shows no menu
    const draw = () => this.draw();
    el.textTracks.addEventListener("addtrack", (event) => event.track.addEventListener("cuechange", draw));
    el.textTracks.addEventListener("removetrack", draw);
    el.textTracks.addEventListener("change", draw);
    // Position updates redraw whenever the cues at the position differ from those drawn (see
    // `activeCues`: a `cuechange` may never come for a cue the browser kept active).
    el.addEventListener("timeupdate", () => {
      const active = this.activeCues();
      if (active.length !== this.drawn.length || active.some((cue, i) => cue !== this.drawn[i])) this.draw();
    });
    menu.addEventListener("change", () => {
      const index = Number(this.menu.value);
      localStorage.setItem(CHOICE_KEY, index < 0 ? OFF : this.tracks[index].lang || "");
      this.select(index);
      this.draw();
    });
  }

  // The tracks hls.js found (`current`: the one it picked); the remembered choice is applied.
  loaded(tracks, current) {
    this.tracks = tracks;
    const index = trackFor(rememberedChoice(), tracks, current);
    this.menu.replaceChildren(
      h("option", { value: -1 }, "Off"),
      ...tracks.map((t, i) => h("option", { value: i, lang: t.lang || false }, t.name || t.lang)),
    );
    this.menu.value = String(index);
    this.choice.hidden = tracks.length === 0;
    if (index !== current) this.select(index);
    this.draw();
  }

  // The active cues of the track on (hls.js leaves every other one disabled), as text: a cue's
  // WebVTT markup becomes the browser's own cue nodes (b, i, u, ruby, spans), never parsed HTML.
  draw() {
    const cues = this.activeCues();
    const on = this.trackOn();
    this.box.replaceChildren(
      ...cues.map((cue) => h("span", { className: "cue", lang: on.language || false }, cue.getCueAsHTML())),
    );
    this.box.hidden = cues.length === 0;
    this.drawn = cues;
  }

  trackOn() {
    return [...this.el.textTracks].find((t) => TEXT_KINDS.has(t.kind) && t.mode !== "disabled");
  }

  // The cues at the position, by their times: Chromium kept a cue in the track's `activeCues`
  // long after its end when playback started exactly there (a search result opens a lecture
  // at a cue's start, where the cue before ends), and fired no `cuechange` for it.
  activeCues() {
    const on = this.trackOn();
    if (!on || !on.cues || this.menu.value === "-1") return [];
    const at = this.el.currentTime;
    return [...on.cues].filter((cue) => cue.startTime <= at && at < cue.endTime);
  }
}
