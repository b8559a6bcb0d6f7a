// One flash sale: a countdown on the server's clock, each item's remaining stock as a bar that moves live
// over SSE, reserving with a clear answer for every outcome (sold out, limit reached, rate limited with the
// wait, not open yet, early access for a tier), my reservations with their timers, release, and checkout.
import { api, serverSkew } from "/js/api.js";
import { duration, element, money } from "/js/format.js";
import { explain, t } from "/js/i18n.js";
import { refreshCart, session } from "/js/layout.js";

/** Another product or sale in the same tab (a link to another #slug) loads that one. */
window.addEventListener("hashchange", () => location.reload());

const slug = decodeURIComponent(location.hash.slice(1));
const notice = document.getElementById("notice");
const itemsNode = document.getElementById("items");
const countdown = document.getElementById("countdown");
const mineNode = document.getElementById("mine");
let sale;
let skew = 0;
let user = null;
let waitUntil = 0;
/** The signed-in shopper's loyalty tier, read only for a sale that opens early to a tier. */
let myTier = null;
const TIERS = ["bronze", "silver", "gold", "platinum"];

const now = () => Date.now() + skew;

function itemCard(item) {
  const soldPercent = item.quantity ? Math.round(((item.quantity - item.remaining) / item.quantity) * 100) : 100;
  const bar = element("div", { className: "stock-bar" }, element("span"));
  bar.firstChild.style.width = `${100 - soldPercent}%`;
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", String(item.quantity));
  bar.setAttribute("aria-valuenow", String(item.remaining));
  bar.setAttribute("aria-label", `${item.productName}: ${t("sale.left", { n: item.remaining, total: item.quantity })}`);
  const open = isOpen();
  const button = element("button", {
    type: "button", textContent: item.remaining === 0 ? t("sale.soldOut") : open ? t("sale.reserve") : t("sale.notOpen"),
    disabled: item.remaining === 0 || !open || now() < waitUntil,
  });
  button.dataset.product = item.productId;
  button.addEventListener("click", () => reserve(item, button));
  const card = element("article", { className: "product" },
    element("h3", {}, element("a", { href: `/product.html#${encodeURIComponent(item.productSlug)}`, textContent: item.productName })),
    element("p", { className: "price" }, money(item.salePrice), " ", element("s", { textContent: money(item.regularPrice) })),
    bar,
    element("p", { className: "meta stock-left", textContent: `${t("sale.left", { n: item.remaining, total: item.quantity })} · ${t("sale.limit", { n: item.perUserLimit })}` }),
    button);
  card.dataset.product = item.productId;
  return card;
}

/** Whether this shopper may reserve now: the sale is on, or its early hour is open to their tier (guests may
 * try, and are asked to sign in). */
function isOpen() {
  if (sale.status === "active") return true;
  if (sale.status !== "scheduled" || !sale.earlyAccessTier) return false;
  if (now() < Date.parse(sale.startsAt) - sale.earlyAccessMinutes * 60_000) return false;
  return !user || (myTier !== null && TIERS.indexOf(myTier) >= TIERS.indexOf(sale.earlyAccessTier));
}

function renderItems() {
  itemsNode.replaceChildren(...sale.items.map(itemCard));
}

function tick() {
  const scheduled = sale.status === "scheduled";
  const left = ((scheduled ? Date.parse(sale.startsAt) : Date.parse(sale.endsAt)) - now()) / 1000;
  if (sale.status === "ended" || sale.status === "cancelled") countdown.textContent = t("sale.ended");
  else countdown.textContent = t(scheduled ? "sale.next" : "sale.live", { time: duration(left) });
  if (left <= 0 && (scheduled || sale.status === "active")) load();
  for (const timer of mineNode.querySelectorAll(".timer")) {
    const remaining = (Date.parse(timer.dataset.expires) - now()) / 1000;
    timer.textContent = t("sale.expires", { time: duration(remaining) });
    if (remaining <= 0) showMine();
  }
  if (waitUntil && now() >= waitUntil) {
    waitUntil = 0;
    notice.textContent = "";
    renderItems();
  } else if (waitUntil) {
    notice.textContent = t("sale.err.rate_limited", { n: Math.ceil((waitUntil - now()) / 1000) });
  }
}

async function reserve(item, button) {
  if (!user) {
    notice.textContent = t("sale.err.signin");
    return;
  }
  button.disabled = true;
  try {
    await api("POST", `/flash-sales/${sale.id}/reserve`, { productId: item.productId, quantity: 1 });
    notice.textContent = t("sale.held");
    await Promise.all([showMine(), refreshCart()]);
  } catch (error) {
    if (error.code === "rate_limited") {
      const seconds = error.retryAfter ?? 60;
      waitUntil = now() + seconds * 1000;
      notice.textContent = t("sale.err.rate_limited", { n: seconds });
    } else {
      const known = ["sold_out", "limit_exceeded", "not_active"].includes(error.code);
      notice.textContent = error.status === 401 ? t("sale.err.signin") : known ? t(`sale.err.${error.code}`) : explain(error);
    }
  } finally {
    renderItems();
  }
}

async function showMine() {
  if (!user) {
    mineNode.replaceChildren(element("li", {}, element("a", { href: `/account.html?next=${encodeURIComponent(location.pathname + location.hash)}`, textContent: t("sale.err.signin") })));
    return;
  }
  const mine = await api("GET", "/flash-sales/reservations/mine").catch(() => ({ items: [] }));
  const held = mine.items.filter((r) => r.saleId === sale.id && r.status === "reserved" && Date.parse(r.expiresAt) > now());
  const name = (r) => sale.items.find((item) => item.productId === r.productId)?.productName ?? "";
  mineNode.replaceChildren(...held.map((r) => {
    const timer = element("span", { className: "timer" });
    timer.dataset.expires = r.expiresAt;
    const release = element("button", { type: "button", className: "secondary", textContent: t("sale.release") });
    release.addEventListener("click", async () => {
      release.disabled = true;
      notice.textContent = await api("DELETE", `/flash-sales/${sale.id}/reservations/${r.id}`)
        .then(() => t("sale.released"), (error) => explain(error));
      await Promise.all([showMine(), refreshCart()]);
    });
    return element("li", { className: "line" }, element("span", { textContent: "⚡" }),
      element("div", {}, element("h3", { textContent: `${r.quantity} × ${name(r)}` }), element("p", { className: "meta", textContent: money(r.salePrice) }), timer),
      element("div", { className: "line-actions" }, release));
  }));
  if (held.length === 0) mineNode.append(element("li", { textContent: t("sale.noneMine") }));
  document.getElementById("go-checkout").hidden = held.length === 0;
  tick();
}

async function load() {
  sale = await api("GET", `/flash-sales/${encodeURIComponent(slug)}`);
  document.title = `${sale.name} — KLeLite`;
  document.getElementById("name").textContent = `⚡ ${sale.name}`;
  document.getElementById("description").textContent = sale.description;
  const early = document.getElementById("early");
  early.hidden = !(sale.status === "scheduled" && sale.earlyAccessTier);
  if (!early.hidden) {
    if (user && myTier === null) myTier = (await api("GET", "/loyalty").catch(() => ({ tier: "bronze" }))).tier;
    const tier = t(`tier.${sale.earlyAccessTier}`);
    const lines = [t("sale.early", { tier, minutes: sale.earlyAccessMinutes })];
    const eligible = TIERS.indexOf(myTier) >= TIERS.indexOf(sale.earlyAccessTier);
    if (user && !eligible) lines.push(t("sale.earlyNot", { tier, yours: t(`tier.${myTier}`) }));
    else if (user && isOpen()) lines.push(t("sale.earlyYou", { tier: t(`tier.${myTier}`) }));
    early.textContent = lines.join(" ");
  }
  renderItems();
}

function listen() {
  const stream = new EventSource(`/api/v1/flash-sales/${sale.id}/stream`);
  stream.addEventListener("stock", (event) => {
    const { items } = JSON.parse(event.data);
    for (const level of items) Object.assign(sale.items.find((item) => item.productId === level.productId) ?? {}, level);
    renderItems();
  });
  window.addEventListener("pagehide", () => stream.close(), { once: true });
}

try {
  [skew, user] = await Promise.all([serverSkew(), session]);
  await load();
  setInterval(tick, 1000);
  listen();
  await showMine();
} catch (error) {
  notice.textContent = explain(error);
}
