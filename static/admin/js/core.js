// Helpers every admin screen shares: the API client, elements built as text (never HTML), field errors
// placed next to their field, confirmation of destructive actions, toasts, and dates.
import { api, ApiError } from "/js/api.js";
import { element, money } from "/js/format.js";
import { codeText, historyText, t } from "/js/i18n.js";
import { lang, T } from "./i18n-admin.js";

export { api, ApiError, historyText, lang, money, t, T };
export const el = element;

const leaving = [];

/** Screens register what must stop when the admin leaves them (live streams, timers). */
export function onLeave(stop) {
  leaving.push(stop);
}

/** Stops what the screen being left registered. */
export function leaveScreen() {
  for (const stop of leaving.splice(0)) stop();
}

/** Asks before anything that cannot be undone; resolves to true only when the admin agreed. */
export function confirmAction(question) {
  return window.confirm(question);
}

/** A short message at the bottom right for a few seconds; `bad` for failures. `content` is a text or a list of
 * texts and elements (see `failure`). */
export function toast(content, bad = false) {
  const node = el("div", { className: bad ? "toast bad" : "toast" }, ...[content].flat());
  document.getElementById("toasts").append(node);
  setTimeout(() => node.remove(), 5000);
}

/** The API speaks English. In English the console shows its message as it is; in Vietnamese it says what the
 * error's code means and keeps the API's own detail after it, marked `lang="en"` (screen readers switch voice).
 * Anything else thrown (a network failure) is shown as its message. Returns parts for `append`/`toast`. */
export function failure(error) {
  if (!(error instanceof ApiError)) return [String(error?.message ?? error)];
  if (lang === "en") return [error.message];
  return [`${codeText(error.code)} `, el("span", { lang: "en", textContent: `(${error.message})` })];
}

/** An API field reason (English) as shown next to its field: marked `lang="en"` when the console is in Vietnamese. */
const reason = (why) => (lang === "en" ? why : el("span", { lang: "en", textContent: why }));

/** A labelled field: `<label class="field"><span>Label</span><input name=…><span class="field-error"></span></label>`. */
export function field(label, control, hint) {
  const error = el("span", { className: "field-error", id: `error-${control.name.replace(/[^a-z0-9]/gi, "-")}` });
  control.setAttribute("aria-describedby", error.id);
  const wrapper = el("label", { className: "field" }, el("span", { textContent: label }), control);
  if (hint) wrapper.append(el("small", { className: "muted", textContent: hint }));
  wrapper.append(error);
  return wrapper;
}

export const input = (name, properties = {}) => el("input", { name, ...properties });

export function select(name, options, selected) {
  const node = el("select", { name });
  for (const [value, label] of options) node.append(el("option", { value, textContent: label, selected: value === selected }));
  return node;
}

/** Clears the field errors of a form and its summary line. */
export function clearErrors(form) {
  for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  const summary = form.querySelector(".form-error");
  if (summary) summary.textContent = "";
}

/** Shows the API's error: each field's reason next to that field, the message (and unmatched fields) at the form's end. */
export function showErrors(form, error) {
  clearErrors(form);
  const leftovers = [];
  for (const [name, why] of Object.entries(error.fields ?? {})) {
    const control = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (control) {
      control.setAttribute("aria-invalid", "true");
      document.getElementById(control.getAttribute("aria-describedby"))?.replaceChildren(reason(why));
    } else {
      leftovers.push(" ", reason(`${name}: ${why}`));
    }
  }
  let summary = form.querySelector(".form-error");
  if (!summary) {
    summary = el("p", { className: "form-error", role: "alert" });
    form.append(summary);
  }
  summary.replaceChildren(...(error.message ? failure(error) : []), ...leftovers);
  form.querySelector('[aria-invalid="true"]')?.focus();
}

/** Marks one field wrong from the page's own check (before the API is asked). */
export function fieldError(form, name, why) {
  const control = form.querySelector(`[name="${CSS.escape(name)}"]`);
  control.setAttribute("aria-invalid", "true");
  document.getElementById(control.getAttribute("aria-describedby"))?.replaceChildren(why);
}

const dateTimeFormat = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "vi-VN", { dateStyle: "short", timeStyle: "medium" });
export const when = (iso) => (iso ? dateTimeFormat.format(new Date(iso)) : "—");

/** `yyyy-mm-ddThh:mm` in local time, for `<input type="datetime-local">`. */
export function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** A whole number from a form value, or undefined when empty; NaN is passed on so the API names the field. */
export function integer(value) {
  if (value === "" || value === undefined || value === null) return undefined;
  return Number(value);
}

export function badge(text, tone = "") {
  return el("span", { className: `badge ${tone}`, textContent: text });
}

/** Colour of each status chip, per kind of status (the i18n key prefix). */
const TONES = {
  status: { pending: "warn", delivered: "ok", cancelled: "bad", refund_pending: "warn", refunded: "bad" },
  saleStatus: { scheduled: "warn", active: "ok", cancelled: "bad" },
  jobStatus: { running: "warn", completed: "ok", dead: "bad" },
};

/** A status in words (Vietnamese or English, from the shared i18n module), never the raw code; the code stays in
 * `data-status` for scripts. `kind` is `status` (orders), `saleStatus` or `jobStatus`. */
export function statusChip(kind, status) {
  const chip = badge(t(`${kind}.${status}`), TONES[kind]?.[status] ?? "");
  chip.dataset.status = status;
  return chip;
}

export function heading(text) {
  return el("h1", { textContent: text });
}

/** Runs an action from a button: disables it meanwhile and toasts a failure. */
export async function run(button, action) {
  button.disabled = true;
  try {
    return await action();
  } catch (error) {
    toast(failure(error), true);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

function cookie(name) {
  const entry = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return entry ? decodeURIComponent(entry.slice(name.length + 1)) : null;
}

/** Sends a file as the raw request body (the API checks the bytes, not the name), with the CSRF token. */
export async function upload(path, file) {
  const headers = { Accept: "application/json", "Content-Type": file.type || "application/octet-stream" };
  const csrf = cookie("klelite_csrf");
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const response = await fetch(`/api/v1${path}`, { method: "POST", headers, body: file, credentials: "same-origin" });
  const payload = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}
