// The admin console's shell: checks for an admin session (the API authorises every action; this check only
// decides what to draw), then draws the screen named by the URL's hash: #/products, #/orders/KL-…, ….
import { api, el, leaveScreen, toast } from "./core.js";

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

async function signedInAdmin() {
  try {
    const me = await api("GET", "/auth/me");
    return me.role === "admin" ? me : null;
  } catch {
    return null;
  }
}

function toSignIn() {
  view.replaceChildren(
    el("h1", { textContent: "Chỉ dành cho quản trị viên" }),
    el("p", {}, "Hãy ", el("a", { href: "/account.html?next=/admin/", textContent: "đăng nhập bằng tài khoản quản trị" }), "."),
  );
  window.location.replace("/account.html?next=/admin/");
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
    view.replaceChildren(el("h1", { textContent: "Không có trang này" }), el("a", { href: "#/", textContent: "Về tổng quan" }));
    return;
  }
  const screen = await load();
  const container = el("div");
  view.replaceChildren(container);
  try {
    await screen.render(container, rest.map(decodeURIComponent), new URLSearchParams(query));
  } catch (error) {
    if (error.status === 401 || error.status === 403) return toSignIn();
    container.append(el("p", { className: "form-error", role: "alert", textContent: error.message }));
    toast(error.message, true);
  }
}

const me = await signedInAdmin();
if (me) {
  document.getElementById("admin-nav").hidden = false;
  document.getElementById("who").textContent = `${me.name || me.email} · quản trị`;
  window.addEventListener("hashchange", show);
  await show();
} else {
  toSignIn();
}
