// Events: a video's playback events, filtered (violations, range, a search, the event types the
// server lists) and paged newest first, with the total the server counts.

import { apiResponse, h } from "../api.js";
import { describe, showError } from "./alerts.js";
import { eventsTable } from "./events-table.js";
import { eventFilters, rangeSelect } from "./filters.js";
import { fresh, inTab } from "./tab-panel.js";

const EVENTS_PAGE = 50;

// What the instructor chose, kept across videos; range: null until chosen (the server's default).
const chosen = { violated: "", types: new Set(), range: null, search: "", offset: 0 };

// The one call that needs a response header (X-Total-Count).
async function fetchWithTotal(path) {
  const { data, headers } = await apiResponse("GET", path);
  const total = Number(headers.get("X-Total-Count"));
  return { rows: data || [], total: Number.isFinite(total) ? total : (data || []).length };
}

export function loadEvents(video, gen, panel) {
  inTab(gen, panel, async () => {
    const filters = await eventFilters();
    return eventsView(video, gen, filters);
  });
}

function eventsView(video, gen, filters) {
  const f = chosen;
  f.range ??= filters.default_ranges.events;
  f.offset = 0;
  const results = h("div", { id: "events-results" }, h("p", { className: "muted" }, "Loading…"));
  const reload = (resetOffset = true) => {
    if (resetOffset) f.offset = 0;
    fetchEvents(video, gen, results);
  };
  const violated = h(
    "select",
    {
      id: "events-violated",
      onchange: () => {
        f.violated = violated.value;
        reload();
      },
    },
    h("option", { value: "", selected: f.violated === "" }, "Any"),
    h("option", { value: "true", selected: f.violated === "true" }, "Violations only"),
    h("option", { value: "false", selected: f.violated === "false" }, "No violation"),
  );
  const range = rangeSelect("events-range", filters.ranges, f.range, () => {
    f.range = range.value;
    reload();
  });
  let debounce = 0;
  const search = h("input", {
    type: "search",
    id: "events-search",
    placeholder: "Student, reason…",
    value: f.search,
    oninput: () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        f.search = search.value.trim();
        reload();
      }, 300);
    },
  });
  const types = h(
    "fieldset",
    { id: "events-types", className: "chips" },
    h("legend", {}, "Event types"),
    filters.event_types.map((t) =>
      h(
        "label",
        { className: "chip" },
        h("input", {
          type: "checkbox",
          name: "event_type",
          value: t,
          checked: f.types.has(t),
          onchange: (e) => {
            if (e.target.checked) f.types.add(t);
            else f.types.delete(t);
            reload();
          },
        }),
        t,
      ),
    ),
  );
  fetchEvents(video, gen, results);
  return [
    h(
      "div",
      { id: "events-filters", className: "filters" },
      h("label", { className: "field inline" }, h("span", {}, "Violated"), violated),
      h("label", { className: "field inline" }, h("span", {}, "Range"), range),
      h("label", { className: "field inline grow" }, h("span", {}, "Search"), search),
      types,
    ),
    results,
  ];
}

async function fetchEvents(video, gen, results) {
  const f = chosen;
  const query = new URLSearchParams({ video: video.id, range: f.range, limit: EVENTS_PAGE, offset: f.offset });
  if (f.violated) query.set("violated", f.violated);
  if (f.types.size) query.set("event_type", [...f.types].join(","));
  if (f.search) query.set("search", f.search);
  const key = query.toString();
  results.dataset.query = key;
  try {
    const { rows, total } = await fetchWithTotal(`/video-playback-events/?${key}`);
    if (!fresh(gen) || results.dataset.query !== key) return;
    const first = total ? f.offset + 1 : 0;
    const last = f.offset + rows.length;
    const prev = h(
      "button",
      {
        type: "button",
        id: "events-prev",
        disabled: f.offset === 0,
        onclick: () => {
          f.offset = Math.max(0, f.offset - EVENTS_PAGE);
          fetchEvents(video, gen, results);
        },
      },
      "← Newer",
    );
    const next = h(
      "button",
      {
        type: "button",
        id: "events-next",
        disabled: last >= total,
        onclick: () => {
          f.offset += EVENTS_PAGE;
          fetchEvents(video, gen, results);
        },
      },
      "Older →",
    );
    results.replaceChildren(
      h(
        "div",
        { className: "toolbar pager" },
        h("span", { id: "events-count", className: "muted" }, total ? `${first}–${last} of ${total}` : "0 events"),
        h("span", { className: "spacer" }),
        prev,
        next,
      ),
      eventsTable(rows, true),
    );
  } catch (err) {
    if (!fresh(gen) || results.dataset.query !== key) return; // a newer query won
    results.replaceChildren(h("p", { className: "error" }, `Could not load: ${describe(err)}`));
    showError(err);
  }
}
