// The cart: product lines with quantities and remove, held flash-sale units with their own countdown and a
// release button, subtotal, the shipping rule, a voucher preview and loyalty points (capped at half the
// subtotal). The voucher and points chosen here go on to checkout.
import { api, serverSkew } from "/js/api.js";
import { checkoutChoices, duration, element, money, SHIPPING } from "/js/format.js";
import { explain, t } from "/js/i18n.js";
import { refreshCart, session, toast } from "/js/layout.js";

const linesNode = document.getElementById("lines");
const heldNode = document.getElementById("reservations");
const totals = document.getElementById("totals");
const pointsInput = document.getElementById("points");
const voucherNotice = document.getElementById("voucher-notice");
const choices = checkoutChoices.load();
const saleNames = new Map();
let cart = null;
let user = null;
let balance = 0;
let discount = 0;
let skew = 0;

async function productNames(reservations) {
  for (const saleId of new Set(reservations.map((r) => r.saleId))) {
    if (saleNames.has(saleId)) continue;
    const sale = await api("GET", `/flash-sales/${saleId}`);
    for (const item of sale.items) saleNames.set(`${saleId}/${item.productId}`, item.productName);
  }
}

function lineNode(line) {
  const quantity = element("input", { type: "number", min: 1, max: 99, value: line.quantity });
  quantity.setAttribute("aria-label", t("cart.line", { name: line.name }));
  quantity.addEventListener("change", () => change(() => api("PATCH", `/cart/items/${line.productId}`, { quantity: Number(quantity.value) })));
  const remove = element("button", { type: "button", className: "secondary", textContent: t("common.remove") });
  remove.addEventListener("click", () => change(() => api("DELETE", `/cart/items/${line.productId}`)));
  return element("li", { className: "line" },
    line.image ? element("img", { src: line.image, alt: "", width: 64, height: 64 }) : element("span"),
    element("div", {}, element("h3", {}, element("a", { href: `/product.html#${encodeURIComponent(line.slug)}`, textContent: line.name })),
      element("p", { className: "meta", textContent: `${money(line.unitPrice)} · ${money(line.lineTotal)}` })),
    element("div", { className: "line-actions" }, quantity, remove));
}

function reservationNode(reservation) {
  const timer = element("span", { className: "timer" });
  timer.dataset.expires = reservation.expiresAt;
  const release = element("button", { type: "button", className: "secondary", textContent: t("sale.release") });
  release.addEventListener("click", () => change(async () => {
    await api("DELETE", `/flash-sales/${reservation.saleId}/reservations/${reservation.id}`);
    toast(t("sale.released"));
  }));
  return element("li", { className: "line" }, element("span", { textContent: "⚡" }),
    element("div", {}, element("h3", { textContent: saleNames.get(`${reservation.saleId}/${reservation.productId}`) ?? "Flash sale" }),
      element("p", { className: "meta", textContent: `${reservation.quantity} × ${money(reservation.salePrice)}` }), timer),
    element("div", { className: "line-actions" }, release));
}

function tick() {
  let expired = false;
  for (const timer of heldNode.querySelectorAll(".timer")) {
    const left = (Date.parse(timer.dataset.expires) - (Date.now() + skew)) / 1000;
    timer.textContent = t("sale.expires", { time: duration(left) });
    expired ||= left <= 0;
  }
  if (expired) load();
}

function pointsCap() {
  if (!cart) return 0;
  return Math.max(0, Math.min(balance, Math.floor(cart.subtotal / 2 / 10), Math.floor((cart.subtotal - discount) / 10)));
}

function renderTotals() {
  const cap = pointsCap();
  const points = Math.min(cap, Math.max(0, Math.floor(Number(pointsInput.value) || 0)));
  choices.points = points;
  checkoutChoices.save(choices);
  document.getElementById("points-label").textContent = t("cart.points", { balance, max: cap });
  pointsInput.max = String(cap);
  const goods = cart.subtotal - discount;
  const shipping = goods >= SHIPPING.threshold ? 0 : SHIPPING.fee;
  const rows = [[t("cart.subtotal"), money(cart.subtotal)]];
  if (discount) rows.push([t("cart.discount"), `−${money(discount)}`]);
  if (points) rows.push([t("cart.pointsValue"), `−${money(points * 10)}`]);
  rows.push([t("cart.shipping"), shipping ? money(shipping) : t("cart.free")]);
  totals.replaceChildren(...rows.flatMap(([name, value]) => [element("dt", { textContent: name }), element("dd", { textContent: value })]),
    element("dt", { className: "grand", textContent: t("cart.total") }),
    element("dd", { className: "grand", id: "grand-total", textContent: money(Math.max(0, goods - points * 10) + shipping) }));
  document.getElementById("shipping-rule").textContent = shipping
    ? t("cart.freeFrom", { amount: money(SHIPPING.threshold), missing: money(SHIPPING.threshold - goods) })
    : t("cart.freeReached");
}

async function previewVoucher() {
  discount = 0;
  voucherNotice.textContent = "";
  if (!choices.voucher || !user || !cart?.subtotal) return;
  try {
    const preview = await api("POST", "/vouchers/validate", { code: choices.voucher });
    discount = preview.discount;
    voucherNotice.textContent = `${preview.voucher.code}: −${money(discount)}`;
  } catch (error) {
    voucherNotice.textContent = explain(error);
    choices.voucher = "";
    checkoutChoices.save(choices);
  }
}

async function load() {
  cart = await refreshCart();
  if (!cart) return;
  await productNames(cart.reservations);
  const empty = cart.lines.length === 0 && cart.reservations.length === 0;
  linesNode.replaceChildren(...cart.lines.map(lineNode));
  if (empty) linesNode.append(element("li", {}, t("cart.empty"), " ", element("a", { href: "/", textContent: t("cart.browse") })));
  heldNode.replaceChildren(...cart.reservations.map(reservationNode));
  document.getElementById("held").hidden = cart.reservations.length === 0;
  await previewVoucher();
  renderTotals();
  tick();
  const checkout = document.getElementById("to-checkout");
  checkout.hidden = empty;
  checkout.href = user ? "/checkout.html" : "/account.html?next=/checkout.html";
  checkout.textContent = t(user ? "cart.checkout" : "cart.signinToCheckout");
}

async function change(action) {
  try {
    await action();
  } catch (error) {
    toast(explain(error), { kind: "error" });
  }
  await load();
}

document.getElementById("voucher-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  choices.voucher = document.getElementById("voucher").value.trim();
  await previewVoucher();
  renderTotals();
});
pointsInput.addEventListener("input", renderTotals);

[user, skew] = await Promise.all([session, serverSkew()]);
if (user) {
  document.getElementById("voucher-form").hidden = false;
  document.getElementById("voucher").value = choices.voucher ?? "";
  balance = (await api("GET", "/loyalty").catch(() => ({ balance: 0 }))).balance;
  document.getElementById("points-box").hidden = balance === 0;
  pointsInput.value = String(choices.points ?? 0);
}
await load();
setInterval(tick, 1000);
