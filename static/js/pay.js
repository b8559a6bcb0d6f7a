// The simulated payment gateway: shows the order and sends the shopper's decision as a signed webhook.
import { api } from "/js/api.js";
import { money } from "/js/format.js";

const orderID = decodeURIComponent(location.hash.slice(1));
const notice = document.getElementById("notice");
const buttons = [document.getElementById("approve"), document.getElementById("decline")];

async function decide(approve) {
  buttons.forEach((button) => { button.disabled = true; });
  try {
    await api("POST", `/payments/simulated/${encodeURIComponent(orderID)}`, { approve });
    const order = await api("GET", `/orders/${encodeURIComponent(orderID)}`);
    notice.textContent = order.status === "confirmed" ? "Thanh toán thành công. Cảm ơn bạn!" : `Đơn hàng: ${order.status}.`;
  } catch (error) {
    notice.textContent = error.message;
    buttons.forEach((button) => { button.disabled = false; });
  }
}

try {
  const order = await api("GET", `/orders/${encodeURIComponent(orderID)}`);
  document.getElementById("summary").textContent = `Đơn ${order.code}: ${money(order.total)} (${order.status})`;
  buttons[0].addEventListener("click", () => decide(true));
  buttons[1].addEventListener("click", () => decide(false));
} catch (error) {
  document.getElementById("summary").textContent = error.message;
  buttons.forEach((button) => { button.disabled = true; });
}
