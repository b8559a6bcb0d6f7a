// Categories: the list in shop order, create and edit (name, slug, description in Vietnamese and English, order, active) with the
// API's field errors, move up/down, switch on/off, delete with confirmation.
import { api, badge, clearErrors, confirmAction, el, field, heading, input, integer, run, showErrors, toast, T } from "./core.js";
import { dataTable } from "./table.js";

export async function render(root) {
  let editing = null;
  const form = el("form", { className: "grid panel", id: "category-form", noValidate: true });
  const title = el("h2", { textContent: T("Danh mục mới") });
  const fill = (category) => {
    editing = category;
    title.textContent = category ? T("Sửa: {0}", [category.name]) : T("Danh mục mới");
    form.elements.name.value = category?.name ?? "";
    form.elements.slug.value = category?.slug ?? "";
    form.elements.description.value = category?.description ?? "";
    form.elements.descriptionEn.value = category?.descriptionEn ?? "";
    form.elements.sortOrder.value = category?.sortOrder ?? 0;
    form.elements.isActive.checked = category?.isActive ?? true;
    form.querySelector('button[type="submit"]').textContent = category ? T("Lưu") : T("Tạo danh mục");
    clearErrors(form);
  };
  form.append(
    field(T("Tên"), input("name", { required: true })),
    field("Slug", input("slug"), T("Để trống để tạo từ tên.")),
    field(T("Thứ tự"), input("sortOrder", { type: "number", step: 1 })),
    el("div", { className: "wide" }, field(T("Mô tả (tiếng Việt)"), el("textarea", { name: "description", rows: 2 }))),
    el("div", { className: "wide" }, field(T("Mô tả (tiếng Anh)"), el("textarea", { name: "descriptionEn", rows: 2, lang: "en" }),
      T("Khách chọn tiếng Anh thấy mô tả này; để trống thì thấy mô tả tiếng Việt."))),
    el("label", { className: "field check" }, el("input", { type: "checkbox", name: "isActive" }), T("Đang dùng")),
    el("div", { className: "actions wide" }, el("button", { type: "submit" }),
      el("button", { type: "button", className: "secondary", textContent: T("Huỷ sửa"), onclick: () => fill(null) })),
  );
  fill(null);

  const table = dataTable({
    caption: T("Danh mục (theo thứ tự trên cửa hàng)"),
    load: async () => (await api("GET", "/categories?includeInactive=true")).items,
    columns: [
      { key: "sortOrder", label: T("Thứ tự"), num: true },
      { key: "name", label: T("Tên") },
      { key: "slug", label: "Slug" },
      { key: "productCount", label: T("Sản phẩm"), num: true },
      { key: "isActive", label: T("Trạng thái"), value: (c) => (c.isActive ? 1 : 0), render: (c) => (c.isActive ? badge(T("đang dùng"), "ok") : badge(T("tắt"), "warn")) },
      { key: "actions", label: "", sortable: false, render: (c) => actions(c) },
    ],
  });

  function actions(category) {
    const edit = el("button", { type: "button", className: "secondary", textContent: T("Sửa") });
    edit.addEventListener("click", () => { fill(category); form.elements.name.focus(); });
    const up = el("button", { type: "button", className: "secondary", textContent: "↑", ariaLabel: T("Đưa {0} lên", [category.name]) });
    const down = el("button", { type: "button", className: "secondary", textContent: "↓", ariaLabel: T("Đưa {0} xuống", [category.name]) });
    up.addEventListener("click", () => run(up, () => change(category, { sortOrder: category.sortOrder - 1 })));
    down.addEventListener("click", () => run(down, () => change(category, { sortOrder: category.sortOrder + 1 })));
    const toggle = el("button", { type: "button", className: "secondary", textContent: category.isActive ? T("Tắt") : T("Bật") });
    toggle.addEventListener("click", () => run(toggle, async () => {
      if (category.isActive && !confirmAction(T("Tắt danh mục \"{0}\"? Nó sẽ không hiện trên cửa hàng.", [category.name]))) return;
      await change(category, { isActive: !category.isActive });
    }));
    const remove = el("button", { type: "button", className: "danger", textContent: T("Xoá") });
    remove.addEventListener("click", () => run(remove, async () => {
      if (!confirmAction(T("Xoá danh mục \"{0}\"?", [category.name]))) return;
      await api("DELETE", `/categories/${category.id}`);
      toast(T("Đã xoá danh mục."));
      await table.refresh();
    }));
    return el("span", { className: "actions" }, edit, up, down, toggle, remove);
  }

  async function change(category, patch) {
    await api("PATCH", `/categories/${category.id}`, patch);
    await table.refresh();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      name: form.elements.name.value,
      description: form.elements.description.value,
      descriptionEn: form.elements.descriptionEn.value,
      sortOrder: integer(form.elements.sortOrder.value) ?? 0,
      isActive: form.elements.isActive.checked,
    };
    if (form.elements.slug.value) body.slug = form.elements.slug.value;
    try {
      clearErrors(form);
      if (editing) await api("PATCH", `/categories/${editing.id}`, body);
      else await api("POST", "/categories", body);
      toast(editing ? T("Đã lưu danh mục.") : T("Đã tạo danh mục."));
      fill(null);
      await table.refresh();
    } catch (error) {
      showErrors(form, error);
    }
  });
  root.append(heading(T("Danh mục")), table.node, title, form);
  await table.refresh();
}
