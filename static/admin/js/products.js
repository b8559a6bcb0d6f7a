// Products: the list (search, category and visibility filters, hidden ones included), create and edit with
// the API's field errors, pictures (upload with preview, reorder, remove), hide/restore and delete.
import { api, badge, clearErrors, confirmAction, el, field, heading, input, integer, money, run, select, showErrors, toast, upload, T } from "./core.js";
import { dataTable } from "./table.js";

export async function render(root, [id]) {
  if (id === "new") return editor(root, null);
  if (id) return editor(root, await api("GET", `/products/${encodeURIComponent(id)}?includeInactive=true`));
  return list(root);
}

async function categories() {
  return (await api("GET", "/categories?includeInactive=true")).items;
}

async function list(root) {
  const cats = await categories();
  const search = input("q", { type: "search", placeholder: T("Tên, mô tả…") });
  const category = select("category", [["", T("Tất cả danh mục")], ...cats.map((c) => [c.slug, c.name])], "");
  const visibility = select("visibility", [["all", T("Tất cả (kể cả đang ẩn)")], ["live", T("Chỉ đang bán")]], "all");
  const table = dataTable({
    caption: T("Sản phẩm"),
    fetchPage: ({ page, limit, sort }) => {
      const query = new URLSearchParams({ page, limit });
      if (visibility.value === "all") query.set("includeInactive", "true");
      if (search.value.trim()) query.set("q", search.value.trim());
      if (category.value) query.set("category", category.value);
      if (sort) query.set("sort", sort);
      return api("GET", `/products?${query}`);
    },
    columns: [
      { key: "image", label: T("Ảnh"), sortable: false, render: (p) => (p.images[0] ? el("img", { src: p.images[0], alt: "", width: 48, height: 48 }) : "") },
      { key: "name", label: T("Tên"), serverSort: (desc) => (desc ? "-name" : "name"), render: (p) => el("a", { href: `#/products/${p.id}`, textContent: p.name }) },
      { key: "price", label: T("Giá"), num: true, serverSort: (desc) => (desc ? "-price" : "price"), render: (p) => money(p.price) },
      { key: "stock", label: T("Tồn kho"), num: true, serverSort: true, render: (p) => badge(String(p.stock), p.stock === 0 ? "bad" : p.stock <= 5 ? "warn" : "") },
      { key: "category", label: T("Danh mục"), value: (p) => p.category?.name ?? "", render: (p) => p.category?.name ?? "—" },
      { key: "isActive", label: T("Trạng thái"), value: (p) => (p.isActive ? 1 : 0), render: (p) => (p.isActive ? badge(T("đang bán"), "ok") : badge(T("đang ẩn"), "warn")) },
      { key: "actions", label: "", sortable: false, render: (p) => visibilityButton(p, () => table.refresh()) },
    ],
  });
  const form = el("form", { className: "toolbar", role: "search" },
    field(T("Tìm"), search), field(T("Danh mục"), category), field(T("Hiển thị"), visibility),
    el("button", { type: "submit", textContent: T("Lọc") }),
    el("a", { className: "button secondary", href: "#/products/new", textContent: T("+ Sản phẩm mới") }));
  form.addEventListener("submit", (event) => { event.preventDefault(); table.firstPage(); });
  root.append(heading(T("Sản phẩm")), form, table.node);
  await table.refresh();
}

function visibilityButton(product, after) {
  const button = el("button", { type: "button", className: "secondary", textContent: product.isActive ? T("Ẩn") : T("Hiện lại") });
  button.addEventListener("click", () => run(button, async () => {
    if (product.isActive && !confirmAction(T("Ẩn \"{0}\" khỏi cửa hàng?", [product.name]))) return;
    await api("PATCH", `/products/${product.id}`, { isActive: !product.isActive });
    toast(product.isActive ? T("Đã ẩn sản phẩm.") : T("Sản phẩm đã hiện lại."));
    await after();
  }));
  return button;
}

const list_ = (text) => text.split(",").map((part) => part.trim()).filter(Boolean);

async function editor(root, product) {
  const cats = await categories();
  const form = el("form", { className: "grid panel", id: "product-form", noValidate: true });
  const value = (name, fallback = "") => product?.[name] ?? fallback;
  form.append(
    field(T("Tên"), input("name", { required: true, value: value("name") })),
    field("Slug", input("slug", { value: value("slug") }), T("Để trống để tạo từ tên.")),
    field(T("Giá (₫)"), input("price", { type: "number", min: 0, step: 1, required: true, value: value("price") })),
    field(T("Giá gốc (₫)"), input("compareAtPrice", { type: "number", min: 0, step: 1, value: value("compareAtPrice") })),
    field(T("Tồn kho"), input("stock", { type: "number", min: 0, step: 1, value: value("stock", 0) })),
    field(T("Danh mục"), select("categoryId", [["", T("— Không —")], ...cats.map((c) => [c.id, c.isActive ? c.name : T("{0} (tắt)", [c.name])])], product?.category?.id ?? "")),
    field(T("Khối lượng (g)"), input("weightGrams", { type: "number", min: 1, step: 1, value: value("weightGrams") })),
    field(T("Thẻ (nhãn)"), input("tags", { value: (product?.tags ?? []).join(", ") }), T("Cách nhau bằng dấu phẩy.")),
    field(T("Dị ứng"), input("allergens", { value: (product?.allergens ?? []).join(", ") }), T("Cách nhau bằng dấu phẩy.")),
    el("div", { className: "wide" }, field(T("Mô tả (tiếng Việt)"), el("textarea", { name: "description", rows: 4, value: value("description") }))),
    el("div", { className: "wide" }, field(T("Mô tả (tiếng Anh)"), el("textarea", { name: "descriptionEn", rows: 4, lang: "en", value: value("descriptionEn") }),
      T("Khách chọn tiếng Anh thấy mô tả này; để trống thì thấy mô tả tiếng Việt."))),
    el("div", { className: "wide" },
      field(T("Thành phần (tiếng Việt)"), el("textarea", { name: "ingredients", rows: 2, value: value("ingredients") }))),
    el("div", { className: "wide" },
      field(T("Thành phần (tiếng Anh)"), el("textarea", { name: "ingredientsEn", rows: 2, lang: "en", value: value("ingredientsEn") }),
      T("Khách chọn tiếng Anh thấy thành phần này; để trống thì thấy thành phần tiếng Việt."))),
    el("label", { className: "field check" }, el("input", { type: "checkbox", name: "isActive", checked: product ? product.isActive : true }), T("Đang bán (hiện trên cửa hàng)")),
    el("div", { className: "actions wide" }, el("button", { type: "submit", textContent: product ? T("Lưu") : T("Tạo sản phẩm") }),
      el("a", { className: "button secondary", href: "#/products", textContent: T("Về danh sách") })),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      name: data.get("name"),
      price: integer(data.get("price")),
      stock: integer(data.get("stock")),
      compareAtPrice: integer(data.get("compareAtPrice")) ?? null,
      categoryId: data.get("categoryId") || null,
      weightGrams: integer(data.get("weightGrams")) ?? null,
      tags: list_(data.get("tags")),
      allergens: list_(data.get("allergens")),
      description: data.get("description"),
      descriptionEn: data.get("descriptionEn"),
      ingredients: data.get("ingredients"),
      ingredientsEn: data.get("ingredientsEn"),
      isActive: data.get("isActive") === "on",
    };
    if (data.get("slug")) body.slug = data.get("slug");
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      clearErrors(form);
      const saved = product ? await api("PATCH", `/products/${product.id}`, body) : await api("POST", "/products", body);
      toast(product ? T("Đã lưu sản phẩm.") : T("Đã tạo sản phẩm. Thêm ảnh bên dưới."));
      if (!product) window.location.hash = `#/products/${saved.id}`;
      else Object.assign(product, saved);
    } catch (error) {
      showErrors(form, error);
    } finally {
      button.disabled = false;
    }
  });
  root.append(heading(product ? T("Sửa: {0}", [product.name]) : T("Sản phẩm mới")), form);
  if (product) {
    root.append(pictures(product));
    const remove = el("button", { type: "button", className: "danger", textContent: T("Xoá sản phẩm") });
    remove.addEventListener("click", () => run(remove, async () => {
      if (!confirmAction(T("Xoá vĩnh viễn \"{0}\"?", [product.name]))) return;
      await api("DELETE", `/products/${product.id}`);
      toast(T("Đã xoá sản phẩm."));
      window.location.hash = "#/products";
    }));
    root.append(el("p", { className: "actions" }, remove, " ",
      el("a", { href: `/product.html#${encodeURIComponent(product.slug)}`, target: "_blank", textContent: T("Xem trên cửa hàng ↗") })));
  }
}

/** The product's pictures in order: move left/right, remove, and upload a new one after seeing it. */
function pictures(product) {
  const section = el("section", { className: "panel", id: "pictures" }, el("h2", { textContent: T("Ảnh") }));
  const thumbs = el("ul", { className: "thumbs" });
  const save = async (images) => {
    const saved = await api("PATCH", `/products/${product.id}`, { images });
    product.images = saved.images;
    draw();
  };
  const draw = () => {
    thumbs.replaceChildren(...product.images.map((src, index) => {
      const left = el("button", { type: "button", className: "secondary", textContent: "←", ariaLabel: T("Đưa ảnh {0} lên trước", [index + 1]), disabled: index === 0 });
      const right = el("button", { type: "button", className: "secondary", textContent: "→", ariaLabel: T("Đưa ảnh {0} ra sau", [index + 1]), disabled: index === product.images.length - 1 });
      const drop = el("button", { type: "button", className: "danger", textContent: "✕", ariaLabel: T("Bỏ ảnh {0}", [index + 1]) });
      const swap = (other) => { const images = [...product.images]; [images[index], images[other]] = [images[other], images[index]]; return images; };
      left.addEventListener("click", () => run(left, () => save(swap(index - 1))));
      right.addEventListener("click", () => run(right, () => save(swap(index + 1))));
      drop.addEventListener("click", () => run(drop, async () => {
        if (confirmAction(T("Bỏ ảnh này khỏi sản phẩm?"))) await save(product.images.filter((_, i) => i !== index));
      }));
      return el("li", {}, el("img", { src, alt: T("Ảnh {0} của {1}", [index + 1, product.name]) }), el("span", { className: "actions" }, left, right, drop));
    }));
    if (product.images.length === 0) thumbs.append(el("li", { className: "muted", textContent: T("Chưa có ảnh.") }));
  };
  draw();
  const file = el("input", { type: "file", name: "image", accept: "image/png,image/jpeg,image/webp" });
  const preview = el("img", { alt: T("Ảnh sắp tải lên"), hidden: true, width: 160, height: 160, id: "upload-preview" });
  const send = el("button", { type: "submit", textContent: T("Tải ảnh lên"), disabled: true });
  const form = el("form", { className: "toolbar", id: "upload-form" }, field(T("Ảnh mới (PNG, JPEG, WebP; tối đa 5 MB)"), file), preview, send);
  file.addEventListener("change", () => {
    const chosen = file.files[0];
    preview.hidden = !chosen;
    send.disabled = !chosen;
    // A data: URL (the page's Content-Security-Policy allows data: pictures, not blob:).
    if (chosen) {
      const reader = new FileReader();
      reader.addEventListener("load", () => { preview.src = reader.result; });
      reader.readAsDataURL(chosen);
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    send.disabled = true;
    try {
      clearErrors(form);
      const saved = await upload(`/products/${product.id}/images`, file.files[0]);
      product.images = saved.images;
      draw();
      form.reset();
      preview.hidden = true;
      toast(T("Đã tải ảnh lên."));
    } catch (error) {
      showErrors(form, { ...error, fields: { image: error.message } , message: "" });
    } finally {
      send.disabled = !file.files[0];
    }
  });
  section.append(thumbs, form);
  return section;
}
