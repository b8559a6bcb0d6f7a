// Orders: the list filtered by status, dates, code or email; the detail with lines, address, payment and the
// history timeline; status changes offering only the allowed transitions (refund-pending included); a
// printable packing slip.
import { api, badge, confirmAction, el, field, heading, historyText, input, money, run, select, statusChip, t, toast, when, T } from "./core.js";
import { dataTable } from "./table.js";

/** The transitions the API allows (OrderStatus.next on the server); others would answer 409. */
const NEXT = {
  pending: ["confirmed", "cancelled"],
  confirmed: ["preparing", "cancelled"],
  preparing: ["shipping", "cancelled"],
  shipping: ["delivered"],
  delivered: ["refunded"],
  refund_pending: ["refunded"],
  cancelled: [],
  refunded: [],
};
/** A status in words, in the admin's language (the shared i18n table the storefront uses too). */
const label = (status) => t(`status.${status}`);
const METHOD = { cod: T("Tiền mặt khi nhận (COD)"), card: T("Thẻ"), bank_transfer: T("Chuyển khoản") };
const DESTRUCTIVE = new Set(["cancelled", "refunded"]);

const statusBadge = (status) => statusChip("status", status);

export async function render(root, [id], query) {
  if (id) return detail(root, id);
  return list(root, query);
}

async function list(root, query) {
  const status = select("status", [["", T("Mọi trạng thái")], ...Object.keys(NEXT).map((s) => [s, label(s)])], query.get("status") ?? "");
  const from = input("from", { type: "date", value: query.get("from") ?? "" });
  const to = input("to", { type: "date", value: query.get("to") ?? "" });
  const search = input("q", { type: "search", placeholder: T("KL-… hoặc email"), value: query.get("q") ?? "" });
  const table = dataTable({
    caption: T("Đơn hàng, mới nhất trước"),
    fetchPage: ({ page, limit, sort }) => {
      const params = new URLSearchParams({ page, limit });
      if (sort) params.set("sort", sort);
      if (status.value) params.set("status", status.value);
      if (from.value) params.set("from", from.value);
      // "Đến ngày" includes that day: the API's `to` is exclusive.
      if (to.value) params.set("to", new Date(new Date(`${to.value}T00:00:00Z`).getTime() + 86_400_000).toISOString().slice(0, 10));
      if (search.value.trim()) params.set("q", search.value.trim());
      return api("GET", `/admin/orders?${params}`);
    },
    columns: [
      { key: "code", label: T("Mã"), serverSort: true, render: (o) => el("a", { href: `#/orders/${o.id}`, textContent: o.code }) },
      { key: "createdAt", label: T("Đặt lúc"), serverSort: true, render: (o) => when(o.createdAt) },
      { key: "customer", label: T("Người nhận"), serverSort: true, render: (o) => o.address.name },
      { key: "status", label: T("Trạng thái"), serverSort: true, render: (o) => statusBadge(o.status) },
      { key: "paymentMethod", label: T("Thanh toán"), serverSort: true, render: (o) => METHOD[o.paymentMethod] ?? o.paymentMethod },
      { key: "total", label: T("Tổng"), num: true, serverSort: true, render: (o) => money(o.total) },
    ],
  });
  const form = el("form", { className: "toolbar", role: "search" },
    field(T("Trạng thái"), status), field(T("Từ ngày"), from), field(T("Đến ngày"), to), field(T("Mã hoặc email"), search),
    el("button", { type: "submit", textContent: T("Lọc") }));
  form.addEventListener("submit", (event) => { event.preventDefault(); table.firstPage(); });
  root.append(heading(T("Đơn hàng")), form, table.node);
  await table.refresh();
}

async function detail(root, id) {
  const { order, customer } = await api("GET", `/admin/orders/${encodeURIComponent(id)}`);
  const lines = el("table", {},
    el("caption", { className: "muted", textContent: T("Hàng trong đơn") }),
    el("thead", {}, el("tr", {}, ...[T("Sản phẩm"), T("Đơn giá"), T("SL"), T("Thành tiền")].map((t, i) => el("th", { scope: "col", className: i ? "num" : "", textContent: t })))),
    el("tbody", {}, ...order.lines.map((line) => el("tr", {},
      el("td", {}, line.name, line.reservationId ? " " : "", line.reservationId ? badge("flash sale") : ""),
      el("td", { className: "num", textContent: money(line.unitPrice) }),
      el("td", { className: "num", textContent: String(line.quantity) }),
      el("td", { className: "num", textContent: money(line.lineTotal) })))),
    el("tfoot", {}, ...[
      [T("Tạm tính"), order.subtotal],
      ...(order.discount ? [[T("Giảm giá") + (order.voucherCode ? ` (${order.voucherCode})` : ""), -order.discount]] : []),
      ...(order.pointsRedeemed ? [[T("Điểm đã dùng ({0})", [order.pointsRedeemed]), -order.pointsRedeemed * 10]] : []),
      [T("Phí giao hàng"), order.shippingFee], [T("Tổng cộng"), order.total],
    ].map(([label, amount]) => el("tr", {}, el("th", { scope: "row", colSpan: 3, textContent: label }), el("td", { className: "num", textContent: money(amount) })))));
  const a = order.address;
  const timeline = el("ol", { className: "timeline", id: "order-timeline" }, ...(order.history ?? []).map((step) => el("li", {},
    statusBadge(step.status), " ", el("span", { className: "muted", textContent: when(step.at) }),
    ...historyText(step).map((line) => el("div", { textContent: line })))));
  const note = input("note", { maxLength: 500, placeholder: T("Ghi chú (tuỳ chọn)") });
  const moves = el("div", { className: "actions no-print", id: "status-actions" });
  for (const next of NEXT[order.status] ?? []) {
    const button = el("button", { type: "button", className: DESTRUCTIVE.has(next) ? "danger" : "", textContent: `→ ${label(next)}` });
    button.dataset.status = next;
    button.addEventListener("click", () => run(button, async () => {
      if (DESTRUCTIVE.has(next) && !confirmAction(T("Chuyển đơn {0} sang \"{1}\"? Không thể hoàn tác.", [order.code, label(next)]))) return;
      await api("PATCH", `/admin/orders/${order.id}/status`, { status: next, note: note.value.trim() || null });
      toast(T("Đơn {0}: {1}.", [order.code, label(next)]));
      const container = root;
      container.replaceChildren();
      await detail(container, order.id);
    }));
    moves.append(button);
  }
  if (moves.children.length === 0) moves.append(el("span", { className: "muted", textContent: T("Đơn đã ở trạng thái cuối.") }));
  const print = el("button", { type: "button", className: "secondary no-print", textContent: T("In phiếu đóng gói") });
  print.addEventListener("click", () => window.print());
  root.append(
    heading(T("Đơn {0}", [order.code])),
    el("p", {}, statusBadge(order.status), " ", el("span", { className: "muted", textContent: T("đặt lúc {0}", [when(order.createdAt)]) })),
    el("div", { className: "two" },
      el("section", { className: "panel" }, el("h2", { textContent: T("Giao đến") }),
        el("dl", { className: "facts" },
          el("dt", { textContent: T("Người nhận") }), el("dd", { textContent: a.name }),
          el("dt", { textContent: T("Điện thoại") }), el("dd", { textContent: a.phone }),
          el("dt", { textContent: T("Địa chỉ") }), el("dd", { textContent: [a.line, a.ward, a.district, a.city].filter(Boolean).join(", ") }),
          el("dt", { textContent: T("Ghi chú") }), el("dd", { textContent: order.note || "—" }))),
      el("section", { className: "panel" }, el("h2", { textContent: T("Thanh toán") }),
        el("dl", { className: "facts" },
          el("dt", { textContent: T("Phương thức") }), el("dd", { textContent: METHOD[order.paymentMethod] ?? order.paymentMethod }),
          el("dt", { textContent: T("Tổng") }), el("dd", { textContent: money(order.total) }),
          el("dt", { textContent: T("Khách hàng") }),
          el("dd", { id: "order-customer" }, customer ? `${customer.name} <${customer.email}>` : T("(tài khoản đã xoá: {0})", [order.userId]))))),
    el("div", { className: "table-wrap" }, lines),
    el("div", { className: "two" },
      el("section", { className: "panel no-print" }, el("h2", { textContent: T("Chuyển trạng thái") }), field(T("Ghi chú cho lần chuyển"), note), moves),
      el("section", { className: "panel" }, el("h2", { textContent: T("Lịch sử") }), timeline)),
    el("p", { className: "actions no-print" }, print, el("a", { href: "#/orders", textContent: T("Về danh sách") })),
  );
}
