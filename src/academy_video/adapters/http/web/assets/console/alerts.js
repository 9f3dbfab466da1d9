// Errors from the API said so that an instructor understands them, in the page's alert bar.

import { ApiError, setToken } from "../api.js";
import { $ } from "./state.js";

// Error details the API answers, and what they mean to an instructor.
const MESSAGES = {
  "invalid_media:no_video_stream": "The file has no video stream: it is not a video.",
  "invalid_media:duration_missing": "The file's duration could not be read.",
  "invalid_media:unreadable": "The file could not be read as a video.",
  "S3 object not found": "The uploaded file was not found in storage, or it is empty.",
  "session, title, filename required": "A session, a title and a file are required.",
  "Cannot retry": "This video cannot be retried in its current status.",
  already_exists: "A permission for this student already exists.",
  forbidden: "Your role may not do this.",
  not_found: "Not found (it may have been deleted).",
  not_authenticated: "Your sign-in has expired.",
  too_many_subscriptions: "The academy has as many webhook subscriptions as it may: delete one first.",
};

// Why a webhook's URL is refused (domain/webhook_targets.py: "invalid_url: <reason>").
const URL_REFUSALS = {
  scheme: "it must start with https:// (http:// only where the operator allows it)",
  host: "its host is not a valid name or address",
  no_host: "it names no host",
  userinfo: "it may not carry a user name or password",
  fragment: "it may not have a #fragment",
  port: "its port is not valid",
};

export function readable(detail) {
  const d = String(detail ?? "");
  if (MESSAGES[d]) return d === MESSAGES[d] ? d : `${MESSAGES[d]} (${d})`;
  if (d.startsWith("invalid_media:")) return `The file is not a usable video (${d})`;
  if (d.startsWith("invalid_url: ")) {
    const why = URL_REFUSALS[d.slice(13)] || "the service will not send to it";
    return `The URL is refused: ${why}. (${d})`;
  }
  if (d.startsWith("Invalid status: ")) return `The video is already ${d.slice(16)}; it cannot be completed again.`;
  return d;
}

export function describe(err) {
  if (err instanceof ApiError) return readable(err.detail);
  return (err && err.message) || String(err);
}

export function isUnauthenticated(err) {
  return err instanceof ApiError && err.status === 401;
}

export function showError(err) {
  if (isUnauthenticated(err)) {
    setToken("");
    location.reload();
    return;
  }
  const status = err instanceof ApiError ? ` [HTTP ${err.status}]` : "";
  $("#alert-text").textContent = `${describe(err)}${status}`;
  $("#alert").hidden = false;
}

export function clearError() {
  $("#alert").hidden = true;
  $("#alert-text").textContent = "";
}
