// Dashboard: today's orders and revenue, orders waiting for action, low-stock products, active and next
// flash sales with live remaining units (over each sale's stock stream), and dead jobs.
import { onLeave, api, badge, el, heading, money, when } from "./core.js";

const LOW_STOCK = 5;
const WAITING = ["pending", "confirmed", "preparing"];

function startOfToday() {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate());
}

/** Every page of a paged admin list (the shop is small; stops after 20 pages). */
async function everything(path) {
  const items = [];
  for (let page = 1; page <= 20; page += 1) {
    const answer = await api("GET", `${path}${path.includes("?") ? "&" : "?"}page=${page}&limit=100`);
    items.push(...answer.items);
    if (items.length >= answer.total || answer.items.length === 0) break;
  }
  return items;
}

async function figures() {
  const from = startOfToday().toISOString();
  const [today, waiting, products, active, scheduled, dead] = await Promise.all([
    everything(`/admin/orders?from=${encodeURIComponent(from)}`),
    Promise.all(WAITING.map((status) => api("GET", `/admin/orders?status=${status}&limit=1`).then((a) => [status, a.total]))),
    everything("/products?includeInactive=true"),
    api("GET", "/admin/flash-sales?status=active"),
    api("GET", "/admin/flash-sales?status=scheduled"),
    api("GET", "/admin/jobs?status=dead&limit=5"),
  ]);
  const counted = today.filter((order) => !["cancelled", "refunded"].includes(order.status));
  return {
    ordersToday: today.length,
    revenueToday: counted.reduce((sum, order) => sum + order.total, 0),
    waiting: Object.fromEntries(waiting),
    lowStock: products.filter((product) => product.isActive && product.stock <= LOW_STOCK).sort((a, b) => a.stock - b.stock),
    sales: [...active.items, ...scheduled.items.sort((a, b) => a.startsAt.localeCompare(b.startsAt)).slice(0, 3)],
    dead,
  };
}

const stat = (value, label, id) => el("div", { className: "stat", id }, el("b", { textContent: value }), el("span", { textContent: label }));

/** Streams of the sales drawn now; closed on each redraw and when the admin leaves. */
const streams = [];
const closeStreams = () => { for (const stream of streams.splice(0)) stream.close(); };

function saleRow(sale) {
  const row = el("tr", { id: `dash-sale-${sale.id}` });
  const units = el("td", { className: "num" });
  const fill = (items) => {
    const remaining = items.reduce((sum, item) => sum + item.remaining, 0);
    const quantity = items.reduce((sum, item) => sum + item.quantity, 0);
    units.replaceChildren(el("span", { className: "remaining", textContent: `${remaining}` }), ` / ${quantity}`);
  };
  fill(sale.items);
  row.append(
    el("td", {}, el("a", { href: `#/sales/${sale.id}`, textContent: sale.name })),
    el("td", {}, badge(sale.status, sale.status === "active" ? "ok" : "")),
    el("td", { textContent: sale.status === "active" ? `đến ${when(sale.endsAt)}` : `từ ${when(sale.startsAt)}` }),
    units,
  );
  // Live remaining units: the sale's public stock stream pushes every change.
  const stream = new EventSource(`/api/v1/flash-sales/${sale.id}/stream`);
  stream.addEventListener("stock", (event) => fill(JSON.parse(event.data).items));
  streams.push(stream);
  return row;
}

export async function render(root) {
  root.append(heading("Tổng quan"));
  const body = el("div", { id: "dashboard" });
  root.append(body);
  const draw = async () => {
    const data = await figures();
    closeStreams();
    const waitingTotal = WAITING.reduce((sum, status) => sum + data.waiting[status], 0);
    const salesTable = el("table", {},
      el("caption", { className: "muted", textContent: "Flash sale đang chạy và sắp tới" }),
      el("thead", {}, el("tr", {}, ...["Tên", "Trạng thái", "Thời gian", "Còn lại"].map((t, i) => el("th", { scope: "col", className: i === 3 ? "num" : "", textContent: t })))),
      el("tbody", {}, ...(data.sales.length ? data.sales.map(saleRow) : [el("tr", {}, el("td", { colSpan: 4, className: "muted", textContent: "Không có flash sale nào." }))])));
    const low = el("ul", {}, ...data.lowStock.slice(0, 10).map((p) =>
      el("li", {}, el("a", { href: `#/products/${p.id}`, textContent: p.name }), " — ", badge(`còn ${p.stock}`, p.stock === 0 ? "bad" : "warn"))));
    if (data.lowStock.length === 0) low.append(el("li", { className: "muted", textContent: "Mọi sản phẩm đều đủ hàng." }));
    const dead = el("ul", {}, ...data.dead.items.map((job) =>
      el("li", {}, `#${job.id} ${job.kind}: `, el("span", { className: "muted", textContent: job.lastError ?? "" }))));
    if (data.dead.total === 0) dead.append(el("li", { className: "muted", textContent: "Không có tác vụ hỏng." }));
    body.replaceChildren(
      el("div", { className: "cards" },
        stat(String(data.ordersToday), "đơn hôm nay", "stat-orders-today"),
        stat(money(data.revenueToday), "doanh thu hôm nay", "stat-revenue-today"),
        stat(String(waitingTotal), "đơn chờ xử lý", "stat-waiting"),
        stat(String(data.lowStock.length), `sản phẩm sắp hết (≤ ${LOW_STOCK})`, "stat-low-stock"),
        stat(String(data.dead.total), "tác vụ hỏng", "stat-dead-jobs")),
      el("h2", { textContent: "Đơn chờ xử lý" }),
      el("p", {}, ...WAITING.flatMap((status) => [el("a", { href: `#/orders?status=${status}`, textContent: `${status}: ${data.waiting[status]}` }), " · "]).slice(0, -1)),
      el("h2", { textContent: "Flash sale" }),
      el("div", { className: "table-wrap" }, salesTable),
      el("div", { className: "two" },
        el("section", {}, el("h2", { textContent: "Sắp hết hàng" }), low),
        el("section", {}, el("h2", {}, el("a", { href: "#/jobs", textContent: "Tác vụ hỏng" })), dead)),
    );
  };
  await draw();
  // Orders and stock change without a stream for the admin: redraw every 30 s (sale counters are live).
  const timer = setInterval(() => draw().catch(() => {}), 30_000);
  onLeave(() => { clearInterval(timer); closeStreams(); });
}
