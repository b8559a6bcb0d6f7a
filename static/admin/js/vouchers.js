// Vouchers: the list with usage counts; one form creates a voucher or edits one's terms, with the API's field errors
// next to the fields; switch on/off; delete with confirmation. A used voucher keeps its code (the API refuses a new one).
import {
  api, badge, clearErrors, confirmAction, el, field, heading, input, integer, localInput, money, run, select, showErrors, toast, when,
} from "./core.js";
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
    const edit = el("button", { type: "button", className: "secondary", textContent: "Sửa" });
    edit.dataset.edit = voucher.code;
    edit.addEventListener("click", () => startEditing(voucher));
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
    return el("span", { className: "actions" }, edit, toggle, remove);
  }

  const title = el("h2", { id: "voucher-form-title", textContent: "Voucher mới" });
  const submit = el("button", { type: "submit", textContent: "Tạo voucher" });
  const cancel = el("button", { type: "button", className: "secondary", textContent: "Huỷ sửa", hidden: true });
  const code = input("code", { required: true, autocapitalize: "characters" });
  const form = el("form", { className: "grid panel", id: "voucher-form", noValidate: true },
    field("Mã", code),
    field("Loại", select("kind", [["percent", "Phần trăm"], ["fixed", "Số tiền cố định"]], "percent")),
    field("Giá trị", input("value", { type: "number", min: 1, step: 1, required: true }), "Phần trăm (1–100) hoặc số tiền (₫)."),
    field("Giảm tối đa (₫)", input("maxDiscount", { type: "number", min: 0, step: 1 })),
    field("Đơn tối thiểu (₫)", input("minSubtotal", { type: "number", min: 0, step: 1 })),
    field("Tổng lượt dùng", input("usageLimit", { type: "number", min: 1, step: 1 })),
    field("Lượt mỗi khách", input("perUserLimit", { type: "number", min: 1, step: 1 })),
    field("Từ", input("startsAt", { type: "datetime-local" })),
    field("Đến", input("endsAt", { type: "datetime-local" })),
    el("div", { className: "actions wide" }, submit, cancel));
  form.setAttribute("aria-labelledby", title.id);
  let editing = null;

  function stopEditing() {
    editing = null;
    form.reset();
    clearErrors(form);
    code.readOnly = false;
    title.textContent = "Voucher mới";
    submit.textContent = "Tạo voucher";
    cancel.hidden = true;
  }

  function startEditing(voucher) {
    stopEditing();
    editing = voucher;
    const values = {
      code: voucher.code, kind: voucher.kind, value: voucher.value, maxDiscount: voucher.maxDiscount, minSubtotal: voucher.minSubtotal,
      usageLimit: voucher.usageLimit, perUserLimit: voucher.perUserLimit,
      startsAt: voucher.startsAt && localInput(new Date(voucher.startsAt)), endsAt: voucher.endsAt && localInput(new Date(voucher.endsAt)),
    };
    for (const [name, value] of Object.entries(values)) form.elements[name].value = value ?? "";
    code.readOnly = voucher.usedCount > 0;
    title.textContent = `Sửa voucher ${voucher.code}` + (voucher.usedCount > 0 ? ` (đã dùng ${voucher.usedCount} lần, giữ nguyên mã)` : "");
    submit.textContent = "Lưu thay đổi";
    cancel.hidden = false;
    form.elements.value.focus();
  }

  cancel.addEventListener("click", stopEditing);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    // Creating omits an empty field; editing sends null for it, which clears that term.
    const empty = editing ? null : undefined;
    const moment = (name) => (data.get(name) ? new Date(data.get(name)).toISOString() : empty);
    const number = (name) => integer(data.get(name)) ?? empty;
    const body = {
      code: data.get("code"), kind: data.get("kind"), value: integer(data.get("value")),
      maxDiscount: number("maxDiscount"), minSubtotal: integer(data.get("minSubtotal")) ?? (editing ? 0 : undefined),
      usageLimit: number("usageLimit"), perUserLimit: number("perUserLimit"),
      startsAt: moment("startsAt"), endsAt: moment("endsAt"),
    };
    try {
      clearErrors(form);
      if (editing) {
        await api("PATCH", `/admin/vouchers/${editing.id}`, body);
        toast(`Đã lưu voucher ${editing.code}.`);
      } else {
        await api("POST", "/admin/vouchers", body);
        toast("Đã tạo voucher.");
      }
      stopEditing();
      await table.refresh();
    } catch (error) {
      showErrors(form, error);
    }
  });
  root.append(heading("Voucher"), table.node, title, form);
  await table.refresh();
}
