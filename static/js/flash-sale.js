// One flash sale: a countdown against the server's clock, live stock over SSE, and reserving.
import { api } from "/js/api.js";
import { element, money } from "/js/format.js";

const slug = decodeURIComponent(location.hash.slice(1));
const notice = document.getElementById("notice");
const itemsNode = document.getElementById("items");
const countdown = document.getElementById("countdown");
let sale;
let clockSkew = 0;

function renderItems() {
  itemsNode.replaceChildren(...sale.items.map((item) => {
    const button = element("button", { type: "button", textContent: item.remaining > 0 ? "Giữ chỗ" : "Hết hàng", disabled: item.remaining === 0 || sale.status !== "active" });
    button.addEventListener("click", () => reserve(item));
    return element("article", { className: "product" },
      element("h3", { textContent: item.productName }),
      element("p", { className: "price" }, money(item.salePrice), " ", element("s", { textContent: money(item.regularPrice) })),
      element("p", { className: "meta", textContent: `Còn ${item.remaining}/${item.quantity} · tối đa ${item.perUserLimit}/người` }),
      button);
  }));
}

function tick() {
  const now = Date.now() + clockSkew;
  const target = sale.status === "scheduled" ? Date.parse(sale.startsAt) : Date.parse(sale.endsAt);
  const seconds = Math.max(0, Math.round((target - now) / 1000));
  const label = sale.status === "scheduled" ? "Bắt đầu sau" : sale.status === "active" ? "Kết thúc sau" : "Đã kết thúc";
  countdown.textContent = sale.status === "ended" || sale.status === "cancelled" ? label : `${label} ${Math.floor(seconds / 60)} phút ${seconds % 60} giây`;
  if (seconds === 0 && (sale.status === "scheduled" || sale.status === "active")) load();
}

async function reserve(item) {
  try {
    const reservation = await api("POST", `/flash-sales/${sale.id}/reserve`, { productId: item.productId, quantity: 1 });
    notice.textContent = `Đã giữ chỗ đến ${new Date(reservation.expiresAt).toLocaleTimeString("vi-VN")}.`;
    showMine();
  } catch (error) {
    const messages = { sold_out: "Hết hàng rồi!", limit_exceeded: "Bạn đã đạt giới hạn cho món này.", not_active: "Flash sale chưa mở.", rate_limited: "Bạn thao tác quá nhanh, thử lại sau." };
    notice.textContent = error.status === 401 ? "Hãy đăng nhập để giữ chỗ." : messages[error.code] ?? error.message;
  }
}

async function showMine() {
  const mine = await api("GET", "/flash-sales/reservations/mine").catch(() => ({ items: [] }));
  document.getElementById("mine").replaceChildren(...mine.items.filter((r) => r.saleId === sale.id).map((r) =>
    element("li", { textContent: `${r.quantity} × ${money(r.salePrice)} — ${r.status}` })));
}

async function load() {
  sale = await api("GET", `/flash-sales/${encodeURIComponent(slug)}`);
  document.getElementById("name").textContent = sale.name;
  renderItems();
}

try {
  const { now } = await api("GET", "/flash-sales/time");
  clockSkew = Date.parse(now) - Date.now();
  await load();
  setInterval(tick, 1000);
  tick();
  showMine();
  const stream = new EventSource(`/api/v1/flash-sales/${sale.id}/stream`);
  stream.addEventListener("stock", (event) => {
    const { items } = JSON.parse(event.data);
    for (const level of items) Object.assign(sale.items.find((item) => item.productId === level.productId) ?? {}, level);
    renderItems();
  });
} catch (error) {
  notice.textContent = error.message;
}
