// The storefront's one way to call the API: JSON in and out, the CSRF cookie echoed on unsafe
// requests, one silent refresh of an expired session, and the error envelope turned into an Error.

const unsafe = new Set(["POST", "PUT", "PATCH", "DELETE"]);
let refreshing = null;

export class ApiError extends Error {
  constructor(status, envelope) {
    super(envelope?.error?.message ?? `Request failed (${status})`);
    this.status = status;
    this.code = envelope?.error?.code ?? "unknown";
    this.fields = envelope?.error?.fields ?? {};
  }
}

function cookie(name) {
  const entry = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return entry ? decodeURIComponent(entry.slice(name.length + 1)) : null;
}

async function send(method, path, body) {
  const headers = { Accept: "application/json" };
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

export async function api(method, path, body) {
  let response = await send(method, path, body);
  if (response.status === 401 && !path.startsWith("/auth/") && cookie("klelite_csrf")) {
    if ((await refreshSession()).ok) response = await send(method, path, body);
  }
  if (response.status === 204) return null;
  const payload = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}
