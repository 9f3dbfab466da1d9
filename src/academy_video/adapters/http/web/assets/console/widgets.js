// Small pieces of the console's markup and the way it writes numbers.

import { h } from "../api.js";

export function longDuration(seconds) {
  const total = Math.round(Number(seconds) || 0);
  const hh = Math.floor(total / 3600);
  const mm = Math.floor((total % 3600) / 60);
  const ss = total % 60;
  if (hh) return `${hh} h ${mm} min`;
  if (mm) return `${mm} min ${ss} s`;
  return `${ss} s`;
}

export function percent(value, digits = 0) {
  return `${Number(value || 0).toFixed(digits)}%`;
}

export function badge(text, kind) {
  return h("span", { className: `badge ${kind}` }, text);
}

export function statusBadge(status) {
  return badge(status, `st-${String(status).toLowerCase()}`);
}

export function tile(label, value, id) {
  return h("div", { className: "tile", id }, h("div", { className: "tile-value" }, value), h("div", { className: "tile-label muted" }, label));
}

// Attributes that make a list item act as a button: clicked, or Enter/Space when focused.
export function pressable(onPress) {
  return {
    tabindex: 0,
    role: "button",
    onclick: onPress,
    onkeydown: (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        onPress();
      }
    },
  };
}

export function emptyRow(columns, text) {
  return h("tr", { className: "empty" }, h("td", { colspan: columns }, text));
}

export function compactJson(value) {
  try {
    return JSON.stringify(value ?? {});
  } catch {
    return String(value);
  }
}
