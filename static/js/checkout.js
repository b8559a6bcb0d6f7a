// Checkout: the delivery address (field errors from the API envelope shown next to their fields), a note,
// the payment method, and one Idempotency-Key per attempt — a double click or a retry of the same form
// returns the first order instead of making a second. Only the payment methods the shop takes are offered
// (`GET /payments/methods`); card and bank transfer go through the provider's page; cash on delivery goes
// straight to the order's page. Errors are worded in the shopper's language, field by field.
import { api } from "/js/api.js";
import { checkoutChoices, element, money, SHIPPING } from "/js/format.js";
import { explain, fieldText, t } from "/js/i18n.js";
import { session } from "/js/layout.js";

const form = document.getElementById("checkout-form");
const button = document.getElementById("place-order");
const notice = document.getElementById("notice");
const choices = checkoutChoices.load();
const ADDRESS = ["name", "phone", "line", "ward", "district", "city"];
const SAVED = "klelite_address";

/** A new key when the shopper changes what they ask for; the same key for a retry of the same request. */
let attemptKey = crypto.randomUUID();
form.addEventListener("input", () => { attemptKey = crypto.randomUUID(); });

function showFieldErrors(fields) {
  for (const name of ADDRESS) {
    const message = fields[`address.${name}`] === undefined ? "" : fieldText(`address.${name}`) ?? t("err.validation_failed");
    document.getElementById(`error-${name}`).textContent = message;
    form.elements[name].setAttribute("aria-invalid", String(message !== ""));
  }
  const first = ADDRESS.find((name) => fields[`address.${name}`]);
  if (first) form.elements[first].focus();
}

async function showSummary() {
  const cart = await api("GET", "/cart");
  const lines = [
    ...cart.lines.map((line) => `${line.quantity} × ${line.name} — ${money(line.lineTotal)}`),
    ...cart.reservations.map((r) => `⚡ ${r.quantity} × ${money(r.salePrice)}`),
  ];
  document.getElementById("summary-lines").replaceChildren(...lines.map((text) => element("li", { textContent: text })));
  const shipping = cart.subtotal >= SHIPPING.threshold ? 0 : SHIPPING.fee;
  const rows = [[t("cart.subtotal"), money(cart.subtotal)]];
  if (choices.voucher) rows.push([t("cart.voucher"), choices.voucher]);
  if (choices.points) rows.push([t("cart.pointsValue"), `−${money(choices.points * 10)}`]);
  rows.push([t("cart.shipping"), shipping ? money(shipping) : t("cart.free")]);
  document.getElementById("totals").replaceChildren(...rows.flatMap(([name, value]) =>
    [element("dt", { textContent: name }), element("dd", { textContent: value })]));
  if (lines.length === 0) {
    notice.textContent = t("checkout.empty");
    button.disabled = true;
  }
}

/** Offers only what the shop takes: cash on delivery always, card and bank transfer with a payment provider. */
async function showPaymentMethods() {
  const { methods } = await api("GET", "/payments/methods").catch(() => ({ methods: ["cod"] }));
  for (const input of form.elements.paymentMethod) {
    input.closest("label").hidden = !methods.includes(input.value);
    if (!methods.includes(input.value)) input.checked = false;
  }
  if (!form.querySelector("[name=paymentMethod]:checked")) form.elements.paymentMethod[0].checked = true;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (button.disabled) return;
  button.disabled = true;
  button.textContent = t("checkout.placing");
  notice.textContent = "";
  const data = new FormData(form);
  const address = Object.fromEntries(ADDRESS.map((name) => [name, String(data.get(name) ?? "").trim()]));
  const body = {
    address,
    note: String(data.get("note") ?? ""),
    paymentMethod: data.get("paymentMethod"),
    voucherCode: choices.voucher || null,
    pointsToRedeem: choices.points || 0,
  };
  try {
    const order = await api("POST", "/orders", body, { "Idempotency-Key": attemptKey });
    localStorage.setItem(SAVED, JSON.stringify(address));
    checkoutChoices.save({});
    if (order.paymentMethod === "cod") {
      location.assign(`/orders.html?placed=1#${encodeURIComponent(order.id)}`);
    } else {
      const { url } = await api("POST", `/payments/${order.id}/checkout`);
      location.assign(url);
    }
  } catch (error) {
    showFieldErrors(error.fields ?? {});
    notice.textContent = Object.keys(error.fields ?? {}).some((key) => key.startsWith("address.")) ? t("checkout.fix") : explain(error);
    button.disabled = false;
    button.textContent = t("checkout.place");
  }
});

const user = await session;
if (!user) {
  location.replace("/account.html?next=/checkout.html");
} else {
  const saved = JSON.parse(localStorage.getItem(SAVED) ?? "null") ?? { name: user.name, phone: user.phone ?? "" };
  for (const name of ADDRESS) form.elements[name].value = saved[name] ?? "";
  await Promise.all([showSummary(), showPaymentMethods()]);
}
