// The signing secret, shown once: right after a subscription is created or its secret rotated,
// in a box with Copy and a clear "it will not be shown again".

import { h } from "../api.js";
import { $ } from "./state.js";

// The secret as the API answered it, once: kept nowhere but this box (not in storage, not in the
// address), so a reload or "Done" forgets it.
export function showSecret(subscription, secret, note) {
  const value = h("input", {
    type: "text",
    id: "webhook-secret-value",
    className: "mono",
    readonly: true,
    value: secret,
    "aria-label": "Signing secret",
  });
  const copied = h("span", { id: "webhook-secret-copied", className: "muted", "aria-live": "polite" });
  $("#webhook-secret-slot").replaceChildren(
    h(
      "section",
      { id: "webhook-secret", className: "card secret-card", role: "status" },
      h("div", { className: "card-head" }, h("h3", {}, "Signing secret")),
      h(
        "p",
        {},
        "The secret of ",
        h("span", { className: "mono" }, subscription.url),
        ". ",
        h("strong", {}, "Copy it now: it will not be shown again."),
      ),
      h(
        "div",
        { className: "secret-row" },
        value,
        h("button", { type: "button", id: "webhook-secret-copy", onclick: () => copySecret(value, copied) }, "Copy"),
        h(
          "button",
          { type: "button", id: "webhook-secret-done", onclick: () => $("#webhook-secret-slot").replaceChildren() },
          "Done",
        ),
        copied,
      ),
      note ? h("p", { className: "muted small-text" }, note) : null,
    ),
  );
  $("#webhook-secret").scrollIntoView({ behavior: "smooth", block: "start" });
}

async function copySecret(input, status) {
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = "Copied.";
  } catch {
    // No clipboard permission (or not a secure origin): select it for Ctrl+C / ⌘C.
    input.focus();
    input.select();
    status.textContent = document.execCommand("copy") ? "Copied." : "Selected: copy it with Ctrl+C.";
  }
}
