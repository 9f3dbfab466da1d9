// Searching what was said in the student's lectures (GET /search/transcripts: the server answers
// only the videos they may play now): the search box, the results (title, session, time, the
// words around the match with the matches marked), each opening its lecture at its time
// (`open(hit)`: picker.js; whether the seek rules allow that time: policy.js `openingAt`).

import { ApiError, api, clock, h } from "../api.js";

// The server's bounds (domain/transcript_search.py), checked here only to say so sooner.
const QUERY_MIN = 2;
const QUERY_MAX = 100;
const RESULTS = 20;

// The last search's words and answer: still there when the student comes back from a lecture.
let last = null;

// The entities Python's html.escape writes, read back; any other text stays as it is.
const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'" };

export function unescapeText(text) {
  return text.replace(/&(?:amp|lt|gt|quot|#x27);/g, (entity) => ENTITIES[entity]);
}

// The server's snippet (HTML-escaped, each match in <mark>…</mark>) as nodes, never parsed as
// HTML: split on the marks (the only tags it can hold, every other "<" came escaped), every
// other piece is text and every odd one a match, each read back into a text node.
export function snippetNodes(snippet) {
  return String(snippet)
    .split(/<\/?mark>/)
    .map((piece, i) => (i % 2 ? h("mark", {}, unescapeText(piece)) : unescapeText(piece)))
    .filter((node) => node !== "");
}

// Why a result did not open at its time (policy.js `openingAt` refused it), in a sentence.
export function refusedNote(asked, opening, maxWatched) {
  const where = opening.at > 0 ? `where you left off (${clock(opening.at)})` : "the beginning";
  const why =
    opening.refused === "bounded_forward"
      ? `you can skip ahead only up to ${clock(maxWatched)}, what you have watched`
      : "seeking is off for this video";
  return `This lecture opens at ${where}, not at ${clock(asked)} where the words were found: ${why}.`;
}

function searchError(error) {
  if (!(error instanceof ApiError)) return `The search failed (${error}).`;
  if (error.status === 429) return "Too many searches: wait a minute and try again.";
  if (error.status === 400) return `The search was refused (${error.detail}).`;
  return `The search failed (${error.detail}).`;
}

// `sessions`: the student's sessions (their names, by id); `open(hit)`: play a result.
export function searchBox(sessions, open) {
  const names = new Map(sessions.map((s) => [s.id, `${s.lecture_title} · ${s.title}`]));
  const input = h("input", {
    id: "search-q",
    type: "search",
    minlength: QUERY_MIN,
    maxlength: QUERY_MAX,
    required: true,
    placeholder: "Words said in a lecture",
    "aria-label": "Search the lectures' transcripts",
  });
  const status = h("p", { id: "search-status", className: "muted", role: "status" });
  const results = h("ol", { id: "search-results", className: "search-results" });

  const show = (query, hits) => {
    last = { query, hits };
    status.textContent = hits.length
      ? `${hits.length} place${hits.length === 1 ? "" : "s"} in your lectures${hits.length === RESULTS ? " (the first found)" : ""}:`
      : `Nothing in your lectures' captions says “${query}”.`;
    results.replaceChildren(
      ...hits.map((hit) =>
        h("li", {},
          h(
            "button",
            {
              className: "search-hit",
              dataset: { videoId: hit.video_id, startMs: hit.start_ms },
              onclick: () => opened(hit),
            },
            h("span", { className: "hit-head" },
              h("strong", {}, hit.title),
              h("span", { className: "hit-time" }, clock(hit.start_ms / 1000)),
              h("span", { className: "muted" }, names.get(hit.session_id) || ""),
            ),
            h("span", { className: "hit-snippet", lang: hit.language }, ...snippetNodes(hit.snippet)),
          ),
        ),
      ),
    );
  };
  // One lecture opened, however many clicks: the results wait until it has (or said why not).
  const opened = async (hit) => {
    const buttons = [...results.querySelectorAll("button")];
    buttons.forEach((button) => (button.disabled = true));
    await open(hit, (message) => say(message, "error"));
    buttons.forEach((button) => (button.disabled = false)); // still shown only if it did not open
  };
  const say = (text, kind = "muted") => {
    status.className = kind;
    status.textContent = text;
  };

  const form = h(
    "form",
    {
      id: "search",
      role: "search",
      className: "search",
      onsubmit: async (event) => {
        event.preventDefault();
        const query = input.value.trim();
        if (query.length < QUERY_MIN) return say(`Type at least ${QUERY_MIN} characters.`, "error");
        say("Searching…");
        try {
          const params = new URLSearchParams({ q: query, limit: String(RESULTS) });
          const hits = await api("GET", `/search/transcripts?${params}`);
          status.className = "muted";
          show(query, hits);
        } catch (error) {
          results.replaceChildren();
          say(searchError(error), "error");
        }
      },
    },
    input,
    h("button", { type: "submit", id: "search-go" }, "Search"),
  );
  if (last) {
    input.value = last.query;
    show(last.query, last.hits);
  }
  return h("section", { className: "search-panel" }, form, status, results);
}
