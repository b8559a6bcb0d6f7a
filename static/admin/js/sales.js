// Flash sales: the list; create and edit (items, sale price, quantity checked against stock, per-user limit,
// window, early-access tier) with a live preview of the countdown; the live view of a sale over its stock
// stream (taken, held, confirmed, remaining per item, reservations per minute); cancel with confirmation.
import {
  onLeave, api, clearErrors, confirmAction, el, field, fieldError, heading, input, integer, localInput, money, run, select, showErrors, statusChip, t, T, toast, when,
} from "./core.js";
import { dataTable } from "./table.js";

export async function render(root, [id, mode]) {
  if (id === "new") return editor(root, null);
  if (id && mode === "edit") return editor(root, await api("GET", `/flash-sales/${encodeURIComponent(id)}`));
  if (id) return live(root, await api("GET", `/flash-sales/${encodeURIComponent(id)}`));
  return list(root);
}

/** Milliseconds to add to the browser's clock to get the server's (the countdown follows the server). */
async function clockOffset() {
  const sent = Date.now();
  const { now } = await api("GET", "/flash-sales/time");
  return new Date(now).getTime() - (sent + Date.now()) / 2;
}

function countdown(ms) {
  if (ms <= 0) return "0:00:00";
  const total = Math.floor(ms / 1000);
  const pad = (n) => String(n).padStart(2, "0");
  const days = Math.floor(total / 86400);
  const clock = `${Math.floor((total % 86400) / 3600)}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
  return days ? T("{0} ngày {1}", [days, clock]) : clock;
}

async function list(root) {
  const table = dataTable({
    caption: "Flash sale",
    load: async () => (await api("GET", "/admin/flash-sales")).items,
    columns: [
      { key: "name", label: T("Tên"), render: (s) => el("a", { href: `#/sales/${s.id}`, textContent: s.name }) },
      { key: "status", label: T("Trạng thái"), value: (s) => t(`saleStatus.${s.status}`), render: (s) => statusChip("saleStatus", s.status) },
      { key: "startsAt", label: T("Bắt đầu"), render: (s) => when(s.startsAt) },
      { key: "endsAt", label: T("Kết thúc"), render: (s) => when(s.endsAt) },
      { key: "remaining", label: T("Còn / tổng"), num: true, value: (s) => s.items.reduce((n, i) => n + i.remaining, 0),
        render: (s) => `${s.items.reduce((n, i) => n + i.remaining, 0)} / ${s.items.reduce((n, i) => n + i.quantity, 0)}` },
      { key: "actions", label: "", sortable: false, render: (s) => el("span", { className: "actions" },
        el("a", { className: "button secondary", href: `#/sales/${s.id}`, textContent: T("Theo dõi") }),
        ["scheduled", "active"].includes(s.status) ? el("a", { className: "button secondary", href: `#/sales/${s.id}/edit`, textContent: T("Sửa") }) : "") },
    ],
  });
  root.append(heading("Flash sale"), el("p", {}, el("a", { className: "button", href: "#/sales/new", textContent: T("+ Flash sale mới") })), table.node);
  await table.refresh();
}

async function products() {
  const items = [];
  for (let page = 1; page <= 20; page += 1) {
    const answer = await api("GET", `/products?includeInactive=true&sort=name&page=${page}&limit=100`);
    items.push(...answer.items);
    if (items.length >= answer.total || answer.items.length === 0) break;
  }
  return items;
}

async function editor(root, sale) {
  const [catalogue, offset] = await Promise.all([products(), clockOffset()]);
  const byId = new Map(catalogue.map((p) => [p.id, p]));
  const start = sale ? new Date(sale.startsAt) : new Date(Date.now() + offset + 3600_000);
  const end = sale ? new Date(sale.endsAt) : new Date(start.getTime() + 2 * 3600_000);
  const form = el("form", { className: "grid panel", id: "sale-form", noValidate: true });
  const itemsBody = el("tbody");
  const preview = el("p", { className: "countdown", id: "countdown-preview", role: "timer" });
  form.append(
    field(T("Tên"), input("name", { required: true, value: sale?.name ?? "" })),
    field("Slug", input("slug", { value: sale?.slug ?? "" }), T("Để trống để tạo từ tên.")),
    field(T("Bắt đầu"), input("startsAt", { type: "datetime-local", step: 1, value: localInput(start) })),
    field(T("Kết thúc"), input("endsAt", { type: "datetime-local", step: 1, value: localInput(end) })),
    field(T("Ưu tiên sớm cho hạng"), select("earlyAccessTier", [["", T("— Không —")], ...["bronze", "silver", "gold", "platinum"].map((tier) => [tier, t(`tier.${tier}`)])], sale?.earlyAccessTier ?? "")),
    field(T("Mở sớm (phút)"), input("earlyAccessMinutes", { type: "number", min: 0, max: 10080, step: 1, value: sale?.earlyAccessMinutes ?? 0 })),
    el("div", { className: "wide" }, field(T("Mô tả"), el("textarea", { name: "description", rows: 2, value: sale?.description ?? "" }))),
    el("div", { className: "wide" }, el("h2", { textContent: T("Xem trước đồng hồ đếm ngược") }), preview),
    el("div", { className: "wide" }, el("h2", { textContent: T("Sản phẩm trong sale") }),
      el("div", { className: "table-wrap" }, el("table", {}, el("caption", { className: "muted", textContent: T("Số lượng không được vượt tồn kho.") }),
        el("thead", {}, el("tr", {}, ...[T("Sản phẩm"), T("Giá sale (₫)"), T("Số lượng"), T("Giới hạn/người"), ""].map((t) => el("th", { scope: "col", textContent: t })))),
        itemsBody)),
      el("p", { className: "field" }, el("span", { className: "field-error", id: "error-items" }))),
    el("div", { className: "actions wide" },
      el("button", { type: "button", className: "secondary", id: "add-item", textContent: T("+ Thêm sản phẩm") }),
      el("button", { type: "submit", textContent: sale ? T("Lưu flash sale") : T("Tạo flash sale") }),
      el("a", { className: "button secondary", href: sale ? `#/sales/${sale.id}` : "#/sales", textContent: T("Huỷ") })),
  );
  // `items` has no control of its own: its error goes in the line under the table.
  form.append(el("input", { type: "hidden", name: "items" }));
  form.elements.items.setAttribute("aria-describedby", "error-items");

  const rows = [];
  const renumber = () => rows.forEach((row, index) => {
    for (const control of row.querySelectorAll("[data-field]")) {
      control.name = `items[${index}].${control.dataset.field}`;
      const error = control.parentElement.querySelector(".field-error");
      error.id = `error-items-${index}-${control.dataset.field}`;
      control.setAttribute("aria-describedby", error.id);
    }
  });
  const cell = (control, label) => {
    control.setAttribute("aria-label", label);
    return el("td", {}, control, el("span", { className: "field-error" }));
  };
  const addRow = (item) => {
    const product = select("", catalogue.map((p) => [p.id, T("{0} — {1} · tồn {2}{3}", [p.name, money(p.price), p.stock, p.isActive ? "" : T(" (ẩn)")])]), item?.productId ?? catalogue[0]?.id);
    product.dataset.field = "productId";
    const price = input("", { type: "number", min: 0, step: 1, value: item?.salePrice ?? "" });
    price.dataset.field = "salePrice";
    const quantity = input("", { type: "number", min: 1, step: 1, value: item?.quantity ?? 10 });
    quantity.dataset.field = "quantity";
    const limit = input("", { type: "number", min: 1, step: 1, value: item?.perUserLimit ?? 2 });
    limit.dataset.field = "perUserLimit";
    const remove = el("button", { type: "button", className: "secondary", textContent: T("Bỏ") });
    const row = el("tr", {}, cell(product, T("Sản phẩm")), cell(price, T("Giá sale")), cell(quantity, T("Số lượng")), cell(limit, T("Giới hạn mỗi người")), el("td", {}, remove));
    remove.addEventListener("click", () => { rows.splice(rows.indexOf(row), 1); row.remove(); renumber(); });
    rows.push(row);
    itemsBody.append(row);
    renumber();
  };
  for (const item of sale?.items ?? [null]) addRow(item);
  form.querySelector("#add-item").addEventListener("click", () => addRow(null));

  const tick = () => {
    const now = Date.now() + offset;
    const startsAt = new Date(form.elements.startsAt.value).getTime();
    const endsAt = new Date(form.elements.endsAt.value).getTime();
    if (Number.isNaN(startsAt) || Number.isNaN(endsAt)) preview.textContent = T("Chọn thời gian bắt đầu và kết thúc.");
    else if (now < startsAt) preview.textContent = T("Bắt đầu sau {0}", [countdown(startsAt - now)]);
    else if (now < endsAt) preview.textContent = T("Đang diễn ra · kết thúc sau {0}", [countdown(endsAt - now)]);
    else preview.textContent = T("Khung giờ này đã qua.");
  };
  tick();
  const timer = setInterval(tick, 1000);
  onLeave(() => clearInterval(timer));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const items = rows.map((row) => {
      const value = (name) => row.querySelector(`[data-field="${name}"]`).value;
      return { productId: value("productId"), salePrice: integer(value("salePrice")), quantity: integer(value("quantity")), perUserLimit: integer(value("perUserLimit")) };
    });
    // A sale cannot promise more units than the bakery has: refuse more than the stock before asking the API.
    let short = false;
    items.forEach((item, index) => {
      const stock = byId.get(item.productId)?.stock ?? 0;
      if (item.quantity > stock) {
        fieldError(form, `items[${index}].quantity`, T("vượt tồn kho ({0})", [stock]));
        short = true;
      }
    });
    if (short) return;
    const startsAt = new Date(form.elements.startsAt.value);
    const endsAt = new Date(form.elements.endsAt.value);
    const body = {
      name: form.elements.name.value,
      description: form.elements.description.value,
      startsAt: Number.isNaN(startsAt.getTime()) ? "" : startsAt.toISOString(),
      endsAt: Number.isNaN(endsAt.getTime()) ? "" : endsAt.toISOString(),
      earlyAccessTier: form.elements.earlyAccessTier.value || null,
      earlyAccessMinutes: integer(form.elements.earlyAccessMinutes.value) ?? 0,
      items,
    };
    if (form.elements.slug.value) body.slug = form.elements.slug.value;
    try {
      const saved = sale ? await api("PATCH", `/admin/flash-sales/${sale.id}`, body) : await api("POST", "/admin/flash-sales", body);
      toast(sale ? T("Đã lưu flash sale.") : T("Đã tạo flash sale."));
      window.location.hash = `#/sales/${saved.id}`;
    } catch (error) {
      showErrors(form, error);
    }
  });
  root.append(heading(sale ? T("Sửa: {0}", [sale.name]) : T("Flash sale mới")), form);
}

/** Units reserved per minute: the rise of taken units (held + confirmed) over the last 60 s of stock events. */
function rateMeter() {
  const samples = [];
  return (taken) => {
    const now = Date.now();
    samples.push({ at: now, taken });
    while (samples.length > 1 && samples[0].at < now - 60_000) samples.shift();
    let rise = 0;
    for (let i = 1; i < samples.length; i += 1) rise += Math.max(0, samples[i].taken - samples[i - 1].taken);
    return rise;
  };
}

async function live(root, sale) {
  const offset = await clockOffset();
  const status = el("span", { id: "sale-status" });
  const clock = el("p", { className: "countdown", role: "timer", id: "sale-clock" });
  const rate = el("b", { id: "sale-rate", textContent: "0" });
  const body = el("tbody");
  const meters = new Map();
  for (const item of sale.items) {
    const cells = {
      taken: el("td", { className: "num taken" }), held: el("td", { className: "num held" }),
      confirmed: el("td", { className: "num confirmed" }), remaining: el("td", { className: "num remaining" }),
      bar: el("i"),
    };
    meters.set(item.productId, cells);
    body.append(el("tr", { id: `live-${item.productId}` },
      el("td", {}, el("a", { href: `#/products/${item.productId}`, textContent: item.productName })),
      cells.remaining, cells.taken, cells.held, cells.confirmed,
      el("td", { className: "num", textContent: String(item.quantity) }),
      el("td", { className: "num", textContent: money(item.salePrice) }),
      el("td", {}, el("div", { className: "meter", role: "img", ariaLabel: T("Tỉ lệ đã lấy") }, cells.bar))));
  }
  const perMinute = rateMeter();
  const show = (items) => {
    let taken = 0;
    for (const item of items) {
      const cells = meters.get(item.productId);
      if (!cells) continue;
      cells.taken.textContent = String(item.held + item.confirmed);
      cells.held.textContent = String(item.held);
      cells.confirmed.textContent = String(item.confirmed);
      cells.remaining.textContent = String(item.remaining);
      cells.bar.style.width = `${item.quantity ? Math.round(((item.held + item.confirmed) / item.quantity) * 100) : 0}%`;
      taken += item.held + item.confirmed;
    }
    rate.textContent = String(perMinute(taken));
  };
  show(sale.items);
  const tick = () => {
    const now = Date.now() + offset;
    const startsAt = new Date(sale.startsAt).getTime();
    const endsAt = new Date(sale.endsAt).getTime();
    let shown = sale.status;
    if (sale.status === "scheduled" && now >= startsAt) shown = "active";
    if (["scheduled", "active"].includes(sale.status) && now >= endsAt) shown = "ended";
    status.replaceChildren(statusChip("saleStatus", shown));
    if (shown === "scheduled") clock.textContent = T("Bắt đầu sau {0}", [countdown(startsAt - now)]);
    else if (shown === "active") clock.textContent = T("Kết thúc sau {0}", [countdown(endsAt - now)]);
    else clock.textContent = shown === "cancelled" ? T("Đã huỷ.") : T("Đã kết thúc.");
  };
  tick();
  const timer = setInterval(tick, 1000);
  const stream = new EventSource(`/api/v1/flash-sales/${sale.id}/stream`);
  stream.addEventListener("stock", (event) => show(JSON.parse(event.data).items));
  onLeave(() => { clearInterval(timer); stream.close(); });

  const cancel = el("button", { type: "button", className: "danger", id: "cancel-sale", textContent: T("Huỷ flash sale") });
  cancel.hidden = !["scheduled", "active"].includes(sale.status);
  cancel.addEventListener("click", () => run(cancel, async () => {
    if (!confirmAction(T("Huỷ \"{0}\"? Mọi lượt giữ hàng chưa đặt sẽ được trả lại.", [sale.name]))) return;
    Object.assign(sale, await api("POST", `/admin/flash-sales/${sale.id}/cancel`));
    cancel.hidden = true;
    tick();
    toast(T("Đã huỷ flash sale."));
  }));
  root.append(
    heading(sale.name),
    el("div", { className: "panel" },
      el("dl", { className: "facts" },
        el("dt", { textContent: T("Trạng thái") }), el("dd", {}, status),
        el("dt", { textContent: T("Khung giờ") }), el("dd", { textContent: `${when(sale.startsAt)} → ${when(sale.endsAt)}` }),
        el("dt", { textContent: T("Ưu tiên sớm") }), el("dd", { textContent: sale.earlyAccessTier ? T("{0}, {1} phút", [sale.earlyAccessTier, sale.earlyAccessMinutes]) : "—" }),
        el("dt", { textContent: T("Giữ hàng / phút") }), el("dd", {}, rate, T(" đơn vị trong 60 giây qua"))),
      clock),
    el("div", { className: "table-wrap" }, el("table", { id: "live-table" },
      el("caption", { className: "muted", textContent: T("Cập nhật trực tiếp từ luồng tồn kho") }),
      el("thead", {}, el("tr", {}, ...[T("Sản phẩm"), T("Còn lại"), T("Đã lấy"), T("Đang giữ"), T("Đã bán"), T("Số lượng"), T("Giá sale"), ""].map((t, i) =>
        el("th", { scope: "col", className: i > 0 && i < 7 ? "num" : "", textContent: t })))),
      body)),
    el("p", { className: "actions" },
      ["scheduled", "active"].includes(sale.status) ? el("a", { className: "button secondary", href: `#/sales/${sale.id}/edit`, textContent: T("Sửa") }) : "",
      cancel, el("a", { href: "#/sales", textContent: T("Về danh sách") })),
  );
}
