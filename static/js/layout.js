// The frame every storefront page shares: header (navigation, cart count, notification bell, language
// switch), footer, toasts, and the signed-in shopper's live notification stream. Each page's module imports
// it first; the header renders at once, without waiting for any API call.
import { api, hasSession } from "/js/api.js";
import { element, money } from "/js/format.js";
import { lang, setLang, t, translate } from "/js/i18n.js";

const toastRegion = element("div", { className: "toasts", id: "toasts" });
toastRegion.setAttribute("role", "status");
toastRegion.setAttribute("aria-live", "polite");

/** How many toasts may show at once: a phone keeps most of its screen for the page. */
const maxToasts = () => (matchMedia("(max-width: 40rem)").matches ? 2 : 3);

/**
 * Shows a short message at the bottom of the screen; it hides itself after a few seconds, has a close
 * button, and pushes out the oldest when too many are shown. `link` makes it clickable.
 */
export function toast(text, { kind = "info", link = null } = {}) {
  const body = link ? element("a", { href: link, textContent: text }) : element("span", { textContent: text });
  const node = element("div", { className: `toast toast-${kind}` }, body);
  const close = element("button", { type: "button", className: "toast-close", textContent: "×" });
  close.setAttribute("aria-label", t("common.close"));
  close.addEventListener("click", () => node.remove());
  node.append(close);
  toastRegion.append(node);
  while (toastRegion.children.length > maxToasts()) toastRegion.firstElementChild.remove();
  setTimeout(() => node.remove(), 6000);
}

/**
 * A notification's title and body in the shopper's language, worded from its `type` and `data`; the stored
 * text (Vietnamese, or the owner's own words for a broadcast) when the type is not one the page knows.
 */
export function noteText(note) {
  const data = note.data ?? {};
  if (note.type === "order.status" && data.code && data.status) {
    const title = data.status === "pending"
      ? t("note.orderPlaced", { code: data.code })
      : t("note.orderStatus", { code: data.code, status: t(`status.${data.status}`).toLocaleLowerCase(lang) });
    return { title, body: data.total ? t("note.orderTotal", { total: money(Number(data.total)) }) : note.body };
  }
  if (note.type === "flash_sale.started" && data.saleName) {
    return { title: t("note.saleStarted", { name: data.saleName }), body: t("note.saleBody") };
  }
  return { title: note.title, body: note.body };
}

const cartCount = element("span", { className: "badge", id: "cart-count", textContent: "0" });
const cartLink = element("a", { href: "/cart.html", className: "nav-cart" }, t("nav.cart"), " ", cartCount);
const bellCount = element("span", { className: "badge", id: "bell-count", textContent: "0" });
const bellIcon = element("img", { src: "/images/bell.svg", alt: "", width: 22, height: 22 });
const bell = element("a", { href: "/notifications.html", className: "bell", id: "bell", hidden: true }, bellIcon, bellCount);
bell.setAttribute("aria-label", t("nav.bell"));
const accountLink = element("a", { href: "/account.html", id: "account-link", textContent: t(hasSession() ? "nav.account" : "nav.signin") });
const ordersLink = element("a", { href: "/orders.html", textContent: t("nav.orders"), hidden: !hasSession() });

function renderHeader() {
  const header = document.querySelector(".site-header") ?? element("header", { className: "site-header" });
  if (!header.isConnected) document.body.prepend(header);
  const switcher = element("button", { type: "button", className: "lang-switch", id: "lang-switch", textContent: t("lang.switch") });
  switcher.setAttribute("aria-label", t("lang.label"));
  switcher.setAttribute("lang", lang === "vi" ? "en" : "vi");
  switcher.addEventListener("click", () => setLang(lang === "vi" ? "en" : "vi"));
  const nav = element("nav", { className: "site-nav" },
    element("a", { href: "/", textContent: t("nav.shop") }), ordersLink, accountLink, cartLink, bell, switcher);
  nav.setAttribute("aria-label", t("nav.main"));
  const brand = element("a", { className: "brand", href: "/", textContent: "KLeLite" });
  const search = header.querySelector(".search");
  header.replaceChildren(brand, ...(search ? [search] : []), nav);
}

function renderFooter() {
  const footer = document.querySelector(".site-footer") ?? element("footer", { className: "site-footer" });
  if (!footer.isConnected) document.body.append(footer);
  footer.replaceChildren(
    element("p", { textContent: t("footer.tagline") }),
    element("p", { textContent: t("footer.shipping", { amount: money(500000) }) }),
    element("p", {}, element("a", { href: "/", textContent: t("nav.shop") }), " · ",
      element("a", { href: "/orders.html", textContent: t("nav.orders") }), " · ",
      element("a", { href: "/account.html", textContent: t("nav.account") })),
  );
}

/** Re-reads the cart and shows how many units it holds (lines and held flash-sale units). */
export async function refreshCart(cart = null) {
  const current = cart ?? await api("GET", "/cart").catch(() => null);
  if (!current) return null;
  const units = current.lines.reduce((sum, line) => sum + line.quantity, 0) + current.reservations.reduce((sum, r) => sum + r.quantity, 0);
  cartCount.textContent = String(units);
  cartLink.setAttribute("aria-label", `${t("nav.cart")} (${units})`);
  return current;
}

function showUnread(count) {
  bellCount.textContent = String(count);
  bellCount.hidden = count === 0;
  bell.setAttribute("aria-label", `${t("nav.bell")} (${t("notes.unread", { n: count })})`);
  window.dispatchEvent(new CustomEvent("klelite:unread", { detail: count }));
}

/**
 * One stream per tab. The browser reconnects by itself after a network drop and sends `Last-Event-ID`, so
 * the server replays what was missed; when the stream is closed for good (an expired session, or a reconnect
 * answered with an error while the server restarts), the session is renewed through a normal API call and a
 * new stream opened from the cursor seen so far (`?after=`: a new EventSource never sends `Last-Event-ID`).
 * The opening `unread` event carries the newest id it covers, so even a tab that saw no notification has one.
 */
function listen(after = "") {
  const stream = new EventSource(`/api/v1/notifications/stream${after ? `?after=${encodeURIComponent(after)}` : ""}`);
  let dropped = false;
  let cursor = after;
  stream.addEventListener("open", () => {
    // Without a notification seen yet there is no Last-Event-ID to replay from: the opening `unread` count
    // fixes the bell, and the list page reloads itself.
    if (dropped && !cursor) window.dispatchEvent(new CustomEvent("klelite:notification", { detail: null }));
    dropped = false;
  });
  stream.addEventListener("unread", (event) => {
    if (event.lastEventId) cursor = event.lastEventId;
    showUnread(JSON.parse(event.data).count);
  });
  stream.addEventListener("notification", (event) => {
    cursor = event.lastEventId;
    const note = JSON.parse(event.data);
    const { title, body } = noteText(note);
    toast(`${title} — ${body}`, { link: note.link });
    window.dispatchEvent(new CustomEvent("klelite:notification", { detail: note }));
  });
  stream.addEventListener("resync", async () => {
    const { count } = await api("GET", "/notifications/unread-count");
    showUnread(count);
    window.dispatchEvent(new CustomEvent("klelite:notification", { detail: null }));
  });
  stream.addEventListener("error", () => {
    dropped = true;
    if (stream.readyState !== EventSource.CLOSED) return;
    setTimeout(async () => {
      if (await api("GET", "/notifications/unread-count").catch(() => null)) listen(cursor);
    }, 3000);
  });
  window.addEventListener("pagehide", () => stream.close(), { once: true });
}

/** The signed-in user, or null for a guest (no request is made without a session cookie). */
export const session = hasSession() ? api("GET", "/auth/me").catch(() => null) : Promise.resolve(null);

renderHeader();
renderFooter();
document.body.append(toastRegion);
translate();
refreshCart();
session.then((user) => {
  accountLink.textContent = t(user ? "nav.account" : "nav.signin");
  ordersLink.hidden = !user;
  bell.hidden = !user;
  if (user) listen();
});
