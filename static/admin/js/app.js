// The admin console's shell: checks for an admin session (the API authorises every action; this check only
// decides what to draw), then draws the screen named by the URL's hash: #/products, #/orders/KL-…, ….
import { api, el, failure, lang, leaveScreen, toast, T } from "./core.js";
import { setLang } from "/js/i18n.js";

/** The shell's fixed texts (written in Vietnamese in index.html) in the chosen language, and the switch between the
 * two languages: the choice is the shop's one remembered choice, so the storefront follows it too. */
function translateShell() {
  document.documentElement.lang = lang;
  document.title = T(document.title);
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = T(node.textContent);
  for (const node of document.querySelectorAll("[data-t-label]")) node.setAttribute("aria-label", T(node.getAttribute("aria-label")));
  const switcher = document.getElementById("admin-lang");
  switcher.textContent = lang === "en" ? "Tiếng Việt" : "English";
  switcher.lang = lang === "en" ? "vi" : "en";
  switcher.setAttribute("aria-label", T("Chuyển sang tiếng Anh"));
  switcher.addEventListener("click", () => setLang(lang === "en" ? "vi" : "en"));
}

translateShell();

const screens = {
  "": () => import("./dashboard.js"),
  products: () => import("./products.js"),
  categories: () => import("./categories.js"),
  sales: () => import("./sales.js"),
  orders: () => import("./orders.js"),
  vouchers: () => import("./vouchers.js"),
  users: () => import("./users.js"),
  jobs: () => import("./jobs.js"),
  broadcast: () => import("./broadcast.js"),
};

const view = document.getElementById("view");

async function signedInUser() {
  try {
    return await api("GET", "/auth/me");
  } catch {
    return null;
  }
}

/** Signed out: sign in, then come back. Signed in as a customer: their account page (coming back would loop). */
function toSignIn(user = null) {
  const target = user ? "/account.html" : "/account.html?next=/admin/";
  view.replaceChildren(
    el("h1", { textContent: T("Chỉ dành cho quản trị viên") }),
    el("p", {}, T("Hãy "), el("a", { href: target, textContent: T("đăng nhập bằng tài khoản quản trị") }), "."),
  );
  window.location.replace(target);
}

async function show() {
  leaveScreen();
  const [path, query = ""] = window.location.hash.replace(/^#\/?/, "").split("?");
  const [name, ...rest] = path.split("/");
  const load = screens[name];
  for (const link of document.querySelectorAll("#admin-nav a")) {
    const target = link.getAttribute("href").replace(/^#\/?/, "");
    if (target === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (!load) {
    view.replaceChildren(el("h1", { textContent: T("Không có trang này") }), el("a", { href: "#/", textContent: T("Về tổng quan") }));
    return;
  }
  const screen = await load();
  const container = el("div");
  view.replaceChildren(container);
  try {
    await screen.render(container, rest.map(decodeURIComponent), new URLSearchParams(query));
  } catch (error) {
    if (error.status === 401 || error.status === 403) return toSignIn();
    container.append(el("p", { className: "form-error", role: "alert" }, ...failure(error)));
    toast(failure(error), true);
  }
}

const user = await signedInUser();
const me = user?.role === "admin" ? user : null;
if (me) {
  document.getElementById("admin-nav").hidden = false;
  document.getElementById("who").textContent = T("{0} · quản trị", [me.name || me.email]);
  window.addEventListener("hashchange", show);
  await show();
} else {
  toSignIn(user);
}
