// Vouchers: the list with usage counts; one form creates a voucher or edits one's terms, with the API's field errors
// next to the fields; switch on/off; delete with confirmation. A used voucher keeps its code (the API refuses a new one).
import {
  api, badge, clearErrors, confirmAction, el, field, heading, input, integer, localInput, money, run, select, showErrors, T, toast, when,
} from "./core.js";
import { dataTable } from "./table.js";

export async function render(root) {
  const table = dataTable({
    caption: "Voucher",
    load: async () => (await api("GET", "/admin/vouchers")).items,
    columns: [
      { key: "code", label: T("Mã") },
      { key: "value", label: T("Giảm"), num: true, render: (v) => (v.kind === "percent" ? `${v.value}%${v.maxDiscount ? ` (tối đa ${money(v.maxDiscount)})` : ""}` : money(v.value)) },
      { key: "minSubtotal", label: T("Đơn tối thiểu"), num: true, render: (v) => money(v.minSubtotal) },
      { key: "usedCount", label: T("Đã dùng"), num: true, render: (v) => `${v.usedCount}${v.usageLimit ? ` / ${v.usageLimit}` : ""}` },
      { key: "endsAt", label: T("Hiệu lực"), render: (v) => `${when(v.startsAt)} → ${when(v.endsAt)}` },
      { key: "isActive", label: T("Trạng thái"), value: (v) => (v.isActive ? 1 : 0), render: (v) => (v.isActive ? badge(T("đang bật"), "ok") : badge(T("đã tắt"), "warn")) },
      { key: "actions", label: "", sortable: false, render: (v) => actions(v) },
    ],
  });

  function actions(voucher) {
    const edit = el("button", { type: "button", className: "secondary", textContent: T("Sửa") });
    edit.dataset.edit = voucher.code;
    edit.addEventListener("click", () => startEditing(voucher));
    const toggle = el("button", { type: "button", className: "secondary", textContent: voucher.isActive ? T("Tắt") : T("Bật") });
    toggle.addEventListener("click", () => run(toggle, async () => {
      if (voucher.isActive && !confirmAction(T("Tắt voucher {0}? Khách sẽ không dùng được nữa.", [voucher.code]))) return;
      await api("PATCH", `/admin/vouchers/${voucher.id}`, { isActive: !voucher.isActive });
      await table.refresh();
    }));
    const remove = el("button", { type: "button", className: "danger", textContent: T("Xoá") });
    remove.addEventListener("click", () => run(remove, async () => {
      if (!confirmAction(T("Xoá voucher {0}?", [voucher.code]))) return;
      await api("DELETE", `/admin/vouchers/${voucher.id}`);
      toast(T("Đã xoá voucher."));
      await table.refresh();
    }));
    return el("span", { className: "actions" }, edit, toggle, remove);
  }

  const title = el("h2", { id: "voucher-form-title", textContent: T("Voucher mới") });
  const submit = el("button", { type: "submit", textContent: T("Tạo voucher") });
  const cancel = el("button", { type: "button", className: "secondary", textContent: T("Huỷ sửa"), hidden: true });
  const code = input("code", { required: true, autocapitalize: "characters" });
  const form = el("form", { className: "grid panel", id: "voucher-form", noValidate: true },
    field(T("Mã"), code),
    field(T("Loại"), select("kind", [["percent", T("Phần trăm")], ["fixed", T("Số tiền cố định")]], "percent")),
    field(T("Giá trị"), input("value", { type: "number", min: 1, step: 1, required: true }), T("Phần trăm (1–100) hoặc số tiền (₫).")),
    field(T("Giảm tối đa (₫)"), input("maxDiscount", { type: "number", min: 0, step: 1 })),
    field(T("Đơn tối thiểu (₫)"), input("minSubtotal", { type: "number", min: 0, step: 1 })),
    field(T("Tổng lượt dùng"), input("usageLimit", { type: "number", min: 1, step: 1 })),
    field(T("Lượt mỗi khách"), input("perUserLimit", { type: "number", min: 1, step: 1 })),
    field(T("Từ"), input("startsAt", { type: "datetime-local" })),
    field(T("Đến"), input("endsAt", { type: "datetime-local" })),
    el("div", { className: "actions wide" }, submit, cancel));
  form.setAttribute("aria-labelledby", title.id);
  let editing = null;

  function stopEditing() {
    editing = null;
    form.reset();
    clearErrors(form);
    code.readOnly = false;
    title.textContent = T("Voucher mới");
    submit.textContent = T("Tạo voucher");
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
    title.textContent = T("Sửa voucher {0}", [voucher.code]) + (voucher.usedCount > 0 ? T(" (đã dùng {0} lần, giữ nguyên mã)", [voucher.usedCount]) : "");
    submit.textContent = T("Lưu thay đổi");
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
        toast(T("Đã lưu voucher {0}.", [editing.code]));
      } else {
        await api("POST", "/admin/vouchers", body);
        toast(T("Đã tạo voucher."));
      }
      stopEditing();
      await table.refresh();
    } catch (error) {
      showErrors(form, error);
    }
  });
  root.append(heading(T("Voucher")), table.node, title, form);
  await table.refresh();
}
