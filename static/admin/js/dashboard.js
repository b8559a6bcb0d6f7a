// Dashboard: the figures of `/admin/stats` — today's orders and revenue, orders waiting for action, low-stock
// products, active and next flash sales, dead jobs. They arrive over `/admin/stats/stream` (again after every
// change to orders, products, sales or jobs); remaining sale units move live over each sale's own stock stream.
import { onLeave, api, badge, el, heading, money, statusChip, when, T } from "./core.js";

const stat = (value, label, id) => el("div", { className: "stat", id }, el("b", { textContent: value }), el("span", { textContent: label }));

/** Streams of the sales drawn now; closed when the set of sales changes and when the admin leaves. */
const streams = [];
const closeStreams = () => { for (const stream of streams.splice(0)) stream.close(); };
/** The sales section drawn last, kept while the same sales are shown (their rows update from their streams). */
let salesDrawn = { key: null, node: null };

function saleRow(sale, status) {
  const row = el("tr", { id: `dash-sale-${sale.id}` });
  const units = el("td", { className: "num" });
  const fill = (remaining, quantity) => {
    units.replaceChildren(el("span", { className: "remaining", textContent: `${remaining}` }), ` / ${quantity}`);
  };
  fill(sale.remaining, sale.quantity);
  row.append(
    el("td", {}, el("a", { href: `#/sales/${sale.id}`, textContent: sale.name })),
    el("td", {}, statusChip("saleStatus", status)),
    el("td", { textContent: status === "active" ? T("đến {0}", [when(sale.endsAt)]) : T("từ {0}", [when(sale.startsAt)]) }),
    units,
  );
  // Live remaining units: the sale's public stock stream pushes every change.
  const stream = new EventSource(`/api/v1/flash-sales/${sale.id}/stream`);
  stream.addEventListener("stock", (event) => {
    const items = JSON.parse(event.data).items;
    fill(items.reduce((sum, item) => sum + item.remaining, 0), items.reduce((sum, item) => sum + item.quantity, 0));
  });
  streams.push(stream);
  return row;
}

function salesTable(stats) {
  const rows = [...stats.activeSales.map((sale) => saleRow(sale, "active")), ...stats.nextSales.map((sale) => saleRow(sale, "scheduled"))];
  if (rows.length === 0) rows.push(el("tr", {}, el("td", { colSpan: 4, className: "muted", textContent: T("Không có flash sale nào đang chạy hay sắp tới.") })));
  return el("table", {},
    el("caption", { className: "muted", textContent: T("Flash sale đang chạy và sắp tới") }),
    el("thead", {}, el("tr", {}, ...[T("Tên"), T("Trạng thái"), T("Thời gian"), T("Còn lại")].map((text, i) =>
      el("th", { scope: "col", className: i === 3 ? "num" : "", textContent: text })))),
    el("tbody", {}, ...rows));
}

/** The sales table, rebuilt (with new streams) only when the sales shown or their status changed. */
function salesSection(stats) {
  const key = JSON.stringify([stats.activeSales.map((s) => s.id), stats.nextSales.map((s) => s.id)]);
  if (salesDrawn.key !== key) {
    closeStreams();
    salesDrawn = { key, node: el("div", { className: "table-wrap" }, salesTable(stats)) };
  }
  return salesDrawn.node;
}

function draw(body, stats) {
  const waitingTotal = stats.waitingOrders.reduce((sum, entry) => sum + entry.count, 0);
  const waiting = el("ul", { className: "waiting", id: "waiting-orders" }, ...stats.waitingOrders.map((entry) =>
    el("li", {}, el("a", { href: `#/orders?status=${entry.status}` }, statusChip("status", entry.status), " ",
      el("b", { id: `waiting-${entry.status}`, textContent: String(entry.count) })))));
  const low = el("ul", { id: "low-stock" }, ...stats.lowStock.slice(0, 10).map((product) =>
    el("li", {}, el("a", { href: `#/products/${product.id}`, textContent: product.name }), " — ",
      badge(T("còn {0}", [product.stock]), product.stock === 0 ? "bad" : "warn"))));
  if (stats.lowStock.length === 0) low.append(el("li", { className: "muted", textContent: T("Mọi sản phẩm đều đủ hàng.") }));
  const dead = el("ul", { id: "dead-jobs" }, ...stats.recentDeadJobs.map((job) =>
    el("li", {}, `#${job.id} ${job.kind} · ${when(job.updatedAt)}: `, el("span", { className: "muted", textContent: job.lastError ?? "" }))));
  if (stats.deadJobs === 0) dead.append(el("li", { className: "muted", textContent: T("Không có tác vụ hỏng.") }));
  body.replaceChildren(
    el("div", { className: "cards" },
      stat(String(stats.today.orders), T("đơn hôm nay"), "stat-orders-today"),
      stat(money(stats.today.revenue), T("doanh thu hôm nay"), "stat-revenue-today"),
      stat(String(waitingTotal), T("đơn chờ xử lý"), "stat-waiting"),
      stat(String(stats.lowStock.length), T("sản phẩm sắp hết (≤ {0})", [stats.lowStockThreshold]), "stat-low-stock"),
      stat(String(stats.deadJobs), T("tác vụ hỏng"), "stat-dead-jobs")),
    el("h2", { textContent: T("Đơn chờ xử lý") }),
    waiting,
    el("h2", { textContent: "Flash sale" }),
    salesSection(stats),
    el("div", { className: "two" },
      el("section", {}, el("h2", { textContent: T("Sắp hết hàng") }), low),
      el("section", {}, el("h2", {}, el("a", { href: "#/jobs", textContent: T("Tác vụ hỏng") })), dead)),
    el("p", { className: "muted", id: "stats-since", textContent: T("Số liệu từ {0}.", [when(stats.today.since)]) }),
  );
}

export async function render(root) {
  root.append(heading(T("Tổng quan")));
  const body = el("div", { id: "dashboard" });
  root.append(body);
  salesDrawn = { key: null, node: null };
  // The first figures are read directly (an error shows on the screen); then the stream keeps them current.
  draw(body, await api("GET", "/admin/stats"));
  const live = new EventSource("/api/v1/admin/stats/stream");
  live.addEventListener("stats", (event) => draw(body, JSON.parse(event.data)));
  onLeave(() => { live.close(); closeStreams(); });
}
