// The shopper's orders: a list, and one order's detail (`/orders.html#<id>`, the link in every order email)
// with its lines, totals, address, payment state, status timeline, and cancel while the shop allows it.
import { api } from "/js/api.js";
import { element, money } from "/js/format.js";
import { dateTime, explain, historyText, t } from "/js/i18n.js";
import { session, toast } from "/js/layout.js";

const list = document.getElementById("list");
const detail = document.getElementById("detail");
const CANCELLABLE = new Set(["pending", "confirmed"]);

const statusPill = (status) => element("span", { className: "status-pill", textContent: t(`status.${status}`) });

/** What the shopper needs to know about paying, from the method and the order's status. */
function paymentState(order) {
  if (order.status === "refund_pending") return t("pay.refunding");
  if (order.status === "refunded") return t("pay.refunded");
  if (order.paymentMethod === "cod") return t("pay.cod");
  if (order.status === "pending") return t("pay.awaiting");
  if (order.status === "cancelled") return t("pay.unpaid");
  return t("pay.paid");
}

async function showList() {
  const page = await api("GET", "/orders?limit=50");
  document.getElementById("orders").replaceChildren(...page.items.map((order) =>
    element("li", { className: "order-row" },
      element("a", { href: `#${order.id}`, textContent: order.code }),
      element("span", { className: "meta", textContent: dateTime(order.createdAt) }),
      statusPill(order.status),
      element("strong", { textContent: money(order.total) }))));
  if (page.items.length === 0) document.getElementById("orders").append(element("li", { textContent: t("orders.none") }));
}

async function showOrder(id) {
  const order = await api("GET", `/orders/${encodeURIComponent(id)}`);
  document.title = `${order.code} — KLeLite`;
  const placed = document.getElementById("placed");
  placed.hidden = !new URLSearchParams(location.search).has("placed");
  placed.textContent = t("orders.placed", { code: order.code });
  const rows = [[t("cart.subtotal"), money(order.subtotal)]];
  if (order.discount) rows.push([t("cart.discount"), `−${money(order.discount)}`]);
  if (order.pointsRedeemed) rows.push([t("cart.pointsValue"), `−${money(order.pointsRedeemed * 10)}`]);
  rows.push([t("cart.shipping"), order.shippingFee ? money(order.shippingFee) : t("cart.free")]);
  const actions = element("div", { className: "actions" });
  if (order.paymentMethod !== "cod" && order.status === "pending") {
    const pay = element("button", { type: "button", textContent: t("orders.pay") });
    pay.addEventListener("click", async () => location.assign((await api("POST", `/payments/${order.id}/checkout`)).url));
    actions.append(pay, " ");
  }
  if (CANCELLABLE.has(order.status)) {
    const cancel = element("button", { type: "button", className: "secondary", id: "cancel-order", textContent: t("orders.cancel") });
    cancel.addEventListener("click", async () => {
      cancel.disabled = true;
      try {
        await api("POST", `/orders/${order.id}/cancel`);
        toast(t("orders.cancelled"));
      } catch (error) {
        toast(explain(error), { kind: "error" });
      }
      await showOrder(order.id);
    });
    actions.append(cancel);
  }
  const address = order.address;
  detail.replaceChildren(
    element("p", {}, element("a", { href: "/orders.html", textContent: t("orders.back") })),
    element("h1", {}, `${order.code} `, statusPill(order.status)),
    element("p", { className: "meta", id: "payment-state", textContent: t("orders.payment", { method: t(`checkout.${order.paymentMethod}`), state: paymentState(order) }) }),
    element("div", { className: "two-columns" },
      element("div", {},
        element("ul", { className: "lines" }, ...order.lines.map((line) => element("li", { className: "order-row" },
          element("span", { textContent: `${line.reservationId ? "⚡ " : ""}${line.quantity} × ${line.name}` }),
          element("span", { textContent: money(line.lineTotal) })))),
        element("h2", { textContent: t("orders.timeline") }),
        element("ol", { className: "timeline", id: "timeline" }, ...(order.history ?? []).map((step) => element("li", {},
          element("strong", { textContent: t(`status.${step.status}`) }), " · ", dateTime(step.at),
          ...historyText(step).flatMap((line) => [element("br"), line]))))),
      element("aside", { className: "card" },
        element("dl", { className: "totals" },
          ...rows.flatMap(([name, value]) => [element("dt", { textContent: name }), element("dd", { textContent: value })]),
          element("dt", { className: "grand", textContent: t("cart.total") }), element("dd", { className: "grand", textContent: money(order.total) })),
        element("h2", { textContent: t("orders.shipTo") }),
        element("p", { textContent: `${address.name} · ${address.phone}` }),
        element("p", { textContent: [address.line, address.ward, address.district, address.city].join(", ") }),
        ...(order.note ? [element("p", { className: "hint", textContent: order.note })] : []),
        actions)),
  );
}

async function route() {
  const id = decodeURIComponent(location.hash.slice(1));
  list.hidden = Boolean(id);
  detail.hidden = !id;
  try {
    if (id) await showOrder(id); else await showList();
  } catch (error) {
    (id ? detail : list).append(element("p", { className: "notice error", textContent: explain(error) }));
  }
}

if (!(await session)) {
  location.replace(`/account.html?next=${encodeURIComponent(location.pathname + location.search + location.hash)}`);
} else {
  window.addEventListener("hashchange", route);
  // A status change announced over the stream refreshes the order on screen.
  window.addEventListener("klelite:notification", (event) => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (id && (!event.detail || event.detail.data?.orderId === id)) showOrder(id);
  });
  await route();
}
