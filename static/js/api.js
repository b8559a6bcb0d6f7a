// The storefront's one way to call the API: JSON in and out, the CSRF cookie echoed on unsafe
// requests, one silent refresh of an expired session, and the error envelope turned into an Error.

const unsafe = new Set(["POST", "PUT", "PATCH", "DELETE"]);
let refreshing = null;

export class ApiError extends Error {
  constructor(status, envelope, retryAfter = null) {
    super(envelope?.error?.message ?? `Request failed (${status})`);
    this.status = status;
    /** Seconds to wait, from `Retry-After` on a 429. */
    this.retryAfter = retryAfter;
    this.code = envelope?.error?.code ?? "unknown";
    this.fields = envelope?.error?.fields ?? {};
  }
}

function cookie(name) {
  const entry = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return entry ? decodeURIComponent(entry.slice(name.length + 1)) : null;
}

/** Whether this browser holds a session (the readable CSRF cookie is set together with the session cookies). */
export const hasSession = () => cookie("klelite_csrf") !== null;

async function send(method, path, body, extraHeaders = {}) {
  const headers = { Accept: "application/json", ...extraHeaders };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const csrf = cookie("klelite_csrf");
  if (unsafe.has(method) && csrf) headers["X-CSRF-Token"] = csrf;
  return fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Renews the session once for all callers that found it expired at the same time. */
function refreshSession() {
  refreshing ??= send("POST", "/auth/refresh").finally(() => { refreshing = null; });
  return refreshing;
}

/** Calls the API; `headers` adds request headers (for example `Idempotency-Key`). */
export async function api(method, path, body, headers = {}) {
  let response = await send(method, path, body, headers);
  if (response.status === 401 && !path.startsWith("/auth/") && cookie("klelite_csrf")) {
    if ((await refreshSession()).ok) response = await send(method, path, body, headers);
  }
  if (response.status === 204) return null;
  const payload = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, payload, Number(response.headers.get("Retry-After")) || null);
  return payload;
}

let skew = null;

/** Milliseconds to add to `Date.now()` to read the server's clock (countdowns follow the server, not the device). */
export function serverSkew() {
  skew ??= api("GET", "/flash-sales/time").then(({ now }) => Date.parse(now) - Date.now()).catch(() => 0);
  return skew;
}
