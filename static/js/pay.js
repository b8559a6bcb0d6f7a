// The simulated payment gateway: shows the order and sends the shopper's decision as a signed webhook,
// then returns the shopper to the order's page.
import { api } from "/js/api.js";
import { money } from "/js/format.js";
import { explain, lang } from "/js/i18n.js";
import "/js/layout.js";

const orderID = decodeURIComponent(location.hash.slice(1));
const notice = document.getElementById("notice");
const buttons = [document.getElementById("approve"), document.getElementById("decline")];
const en = lang === "en";
if (en) {
  document.getElementById("pay-title").textContent = "Simulated payment gateway";
  document.getElementById("pay-hint").textContent = "This page plays the payment provider: your choice is sent to the shop as a signed webhook.";
  buttons[0].textContent = "Pay";
  buttons[1].textContent = "Decline";
}

async function decide(approve) {
  buttons.forEach((button) => { button.disabled = true; });
  try {
    await api("POST", `/payments/simulated/${encodeURIComponent(orderID)}`, { approve });
    location.assign(`/orders.html${approve ? "?placed=1" : ""}#${encodeURIComponent(orderID)}`);
  } catch (error) {
    notice.textContent = explain(error);
    buttons.forEach((button) => { button.disabled = false; });
  }
}

try {
  const order = await api("GET", `/orders/${encodeURIComponent(orderID)}`);
  document.getElementById("summary").textContent = `${en ? "Order" : "Đơn"} ${order.code}: ${money(order.total)}`;
  buttons[0].addEventListener("click", () => decide(true));
  buttons[1].addEventListener("click", () => decide(false));
} catch (error) {
  document.getElementById("summary").textContent = explain(error);
  buttons.forEach((button) => { button.disabled = true; });
}
