// Vouchers: the list with usage counts, create with the API's field errors, switch on/off, delete with
// confirmation. (The API changes a voucher only by switching it on or off; its terms are fixed once used.)
import { api, badge, clearErrors, confirmAction, el, field, heading, input, integer, money, run, select, showErrors, toast, when } from "./core.js";
import { dataTable } from "./table.js";

export async function render(root) {
  const table = dataTable({
    caption: "Voucher",
    load: async () => (await api("GET", "/admin/vouchers")).items,
    columns: [
      { key: "code", label: "Mã" },
      { key: "value", label: "Giảm", num: true, render: (v) => (v.kind === "percent" ? `${v.value}%${v.maxDiscount ? ` (tối đa ${money(v.maxDiscount)})` : ""}` : money(v.value)) },
      { key: "minSubtotal", label: "Đơn tối thiểu", num: true, render: (v) => money(v.minSubtotal) },
      { key: "usedCount", label: "Đã dùng", num: true, render: (v) => `${v.usedCount}${v.usageLimit ? ` / ${v.usageLimit}` : ""}` },
      { key: "endsAt", label: "Hiệu lực", render: (v) => `${when(v.startsAt)} → ${when(v.endsAt)}` },
      { key: "isActive", label: "Trạng thái", value: (v) => (v.isActive ? 1 : 0), render: (v) => (v.isActive ? badge("đang bật", "ok") : badge("đã tắt", "warn")) },
      { key: "actions", label: "", sortable: false, render: (v) => actions(v) },
    ],
  });

  function actions(voucher) {
    const toggle = el("button", { type: "button", className: "secondary", textContent: voucher.isActive ? "Tắt" : "Bật" });
    toggle.addEventListener("click", () => run(toggle, async () => {
      if (voucher.isActive && !confirmAction(`Tắt voucher ${voucher.code}? Khách sẽ không dùng được nữa.`)) return;
      await api("PATCH", `/admin/vouchers/${voucher.id}`, { isActive: !voucher.isActive });
      await table.refresh();
    }));
    const remove = el("button", { type: "button", className: "danger", textContent: "Xoá" });
    remove.addEventListener("click", () => run(remove, async () => {
      if (!confirmAction(`Xoá voucher ${voucher.code}?`)) return;
      await api("DELETE", `/admin/vouchers/${voucher.id}`);
      toast("Đã xoá voucher.");
      await table.refresh();
    }));
    return el("span", { className: "actions" }, toggle, remove);
  }

  const form = el("form", { className: "grid panel", id: "voucher-form", noValidate: true },
    field("Mã", input("code", { required: true, autocapitalize: "characters" })),
    field("Loại", select("kind", [["percent", "Phần trăm"], ["fixed", "Số tiền cố định"]], "percent")),
    field("Giá trị", input("value", { type: "number", min: 1, step: 1, required: true }), "Phần trăm (1–100) hoặc số tiền (₫)."),
    field("Giảm tối đa (₫)", input("maxDiscount", { type: "number", min: 0, step: 1 })),
    field("Đơn tối thiểu (₫)", input("minSubtotal", { type: "number", min: 0, step: 1 })),
    field("Tổng lượt dùng", input("usageLimit", { type: "number", min: 1, step: 1 })),
    field("Lượt mỗi khách", input("perUserLimit", { type: "number", min: 1, step: 1 })),
    field("Từ", input("startsAt", { type: "datetime-local" })),
    field("Đến", input("endsAt", { type: "datetime-local" })),
    el("div", { className: "actions wide" }, el("button", { type: "submit", textContent: "Tạo voucher" })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const moment = (name) => (data.get(name) ? new Date(data.get(name)).toISOString() : undefined);
    const body = {
      code: data.get("code"), kind: data.get("kind"), value: integer(data.get("value")),
      maxDiscount: integer(data.get("maxDiscount")), minSubtotal: integer(data.get("minSubtotal")),
      usageLimit: integer(data.get("usageLimit")), perUserLimit: integer(data.get("perUserLimit")),
      startsAt: moment("startsAt"), endsAt: moment("endsAt"),
    };
    try {
      clearErrors(form);
      await api("POST", "/admin/vouchers", body);
      toast("Đã tạo voucher.");
      form.reset();
      await table.refresh();
    } catch (error) {
      showErrors(form, error);
    }
  });
  root.append(heading("Voucher"), table.node, el("h2", { textContent: "Voucher mới" }), form);
  await table.refresh();
}
