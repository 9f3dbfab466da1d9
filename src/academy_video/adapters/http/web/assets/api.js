// What the console and the player share: the pasted token, calls to /api/v1, and a DOM helper
// that only ever sets text (stored titles and names can never become markup).

const TOKEN_KEY = "academy-video.token";

export class ApiError extends Error {
  constructor(status, detail, headers = new Headers()) {
    super(`${status} ${detail}`);
    this.status = status;
    this.detail = detail;
    this.headers = headers; // e.g. a 429's Retry-After
  }
}

export function token() {
  return localStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) localStorage.setItem(TOKEN_KEY, value.trim());
  else localStorage.removeItem(TOKEN_KEY);
}

// The JWT's claims, read without checking (the server checks); null when absent or expired.
export function claims() {
  const parts = token().split(".");
  if (parts.length !== 3) return null;
  try {
    const json = atob(parts[1].replace(/-/g, "+").replace(/_/g, "/"));
    const c = JSON.parse(json);
    if (typeof c.exp === "number" && c.exp * 1000 < Date.now()) return null;
    return { user: Number(c.sub), role: c.role, tenant: c.tenant, exp: c.exp };
  } catch {
    return null;
  }
}

function headers(extra = {}) {
  return { Authorization: `Bearer ${token()}`, ...extra };
}

// A JSON call; resolves to the parsed body (null for 204), rejects with ApiError(status, detail).
export async function api(method, path, body, options = {}) {
  return (await apiResponse(method, path, body, options)).data;
}

// The same, with the response's headers too (the events list's X-Total-Count).
export async function apiResponse(method, path, body, { keepalive = false } = {}) {
  const init = { method, headers: headers(), keepalive };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`/api/v1${path}`, init);
  const text = response.status === 204 ? "" : await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, (data && data.detail) || response.statusText, response.headers);
  }
  return { data, headers: response.headers };
}

// The service signs URLs to itself with the host it was configured with (the embedded default's
// uploads and media). When the page was opened under another loopback name of the same port
// (localhost vs 127.0.0.1), use the page's own origin: another origin would be refused (CSP, CORS).
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function sameServer(url) {
  const target = new URL(url, location.href);
  if (
    target.origin !== location.origin &&
    target.port === location.port &&
    LOOPBACK.has(target.hostname) &&
    LOOPBACK.has(location.hostname)
  ) {
    return location.origin + target.pathname + target.search;
  }
  return target.href;
}

// A file from the API (the CSV export) saved through a temporary object URL.
export async function download(path, filename) {
  const response = await fetch(`/api/v1${path}`, { headers: headers() });
  if (!response.ok) throw new ApiError(response.status, response.statusText);
  const url = URL.createObjectURL(await response.blob());
  const link = h("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// h("tag", {attr: value, onclick: fn, dataset: {...}}, ...children): children are nodes or text.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name === "className") el.className = value;
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// The login form both pages show until a token of an allowed role is pasted.
export function requireLogin(root, roles, onReady) {
  const current = claims();
  if (current && roles.includes(current.role)) {
    onReady(current);
    return;
  }
  const input = h("textarea", {
    id: "token",
    rows: 4,
    placeholder: "eyJhbGciOi…",
    "aria-label": "Token",
  });
  const message = h("p", { className: "error", role: "alert" });
  if (current) message.textContent = `This page is for ${roles.join(" or ")}; the token is ${current.role}.`;
  const form = h(
    "form",
    {
      className: "login",
      onsubmit: (event) => {
        event.preventDefault();
        setToken(input.value);
        const c = claims();
        if (!c) message.textContent = "Not a valid, unexpired token.";
        else if (!roles.includes(c.role)) message.textContent = `The token's role is ${c.role}; this page needs ${roles.join(" or ")}.`;
        else {
          form.remove();
          onReady(c);
        }
      },
    },
    h("h2", {}, "Sign in"),
    h(
      "p",
      {},
      "Paste a token (local use: ",
      h("code", {}, `academy-video token --role ${roles[0]} --tenant demo --user 1`),
      ").",
    ),
    input,
    h("button", { type: "submit", id: "sign-in" }, "Sign in"),
    message,
  );
  root.replaceChildren(form);
}

export function signOutButton() {
  return h(
    "button",
    {
      className: "link",
      onclick: () => {
        setToken("");
        location.reload();
      },
    },
    "Sign out",
  );
}

// Seconds as m:ss, or h:mm:ss; "—" when unknown.
export function clock(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(Number(seconds))) return "—";
  const total = Math.max(0, Math.floor(Number(seconds)));
  const hh = Math.floor(total / 3600);
  const mm = Math.floor((total % 3600) / 60);
  const ss = String(total % 60).padStart(2, "0");
  return hh ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

export function formatTime(iso) {
  if (!iso) return "";
  const d = typeof iso === "number" ? new Date(iso * 1000) : new Date(iso);
  return d.toLocaleString();
}
