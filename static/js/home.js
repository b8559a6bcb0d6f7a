// The storefront: categories, search, sorting, stock filter and paging over /api/v1/products.
import { api } from "/js/api.js";
import { element, productCard } from "/js/format.js";

const status = document.getElementById("status");
const grid = document.getElementById("products");
const chips = document.getElementById("categories");
const pager = document.getElementById("pager");
const count = document.getElementById("count");
const search = document.getElementById("search");
const sort = document.getElementById("sort");
const inStock = document.getElementById("in-stock");

const state = { q: "", category: "", sort: "", inStock: false, page: 1 };

async function checkReadiness() {
  try {
    const response = await fetch("/readyz", { headers: { Accept: "application/json" } });
    status.textContent = response.ok ? "Cửa hàng đang mở cửa." : "Cửa hàng đang chuẩn bị, vui lòng quay lại sau.";
  } catch {
    status.textContent = "Không kết nối được tới cửa hàng.";
  }
}

async function showCategories() {
  const { items } = await api("GET", "/categories");
  const all = element("button", { type: "button", textContent: "Tất cả", className: "chip active" });
  all.dataset.slug = "";
  chips.replaceChildren(all, ...items.map((category) => {
    const chip = element("button", { type: "button", textContent: `${category.name} (${category.productCount})`, className: "chip" });
    chip.dataset.slug = category.slug;
    return chip;
  }));
}

async function showProducts() {
  const params = new URLSearchParams({ page: state.page, limit: 12 });
  if (state.q) params.set("q", state.q);
  if (state.category) params.set("category", state.category);
  if (state.sort) params.set("sort", state.sort);
  if (state.inStock) params.set("inStock", "true");
  try {
    const page = await api("GET", `/products?${params}`);
    grid.replaceChildren(...page.items.map(productCard));
    count.textContent = `${page.total} sản phẩm`;
    const pages = Math.max(1, Math.ceil(page.total / page.limit));
    pager.replaceChildren(...Array.from({ length: pages }, (_, index) => {
      const button = element("button", { type: "button", textContent: String(index + 1), className: index + 1 === state.page ? "active" : "" });
      button.dataset.page = String(index + 1);
      return button;
    }));
    if (page.items.length === 0) grid.append(element("p", { textContent: "Không tìm thấy bánh phù hợp." }));
  } catch (error) {
    grid.replaceChildren(element("p", { textContent: error.message }));
  }
}

chips.addEventListener("click", (event) => {
  const chip = event.target.closest("button");
  if (!chip) return;
  for (const other of chips.children) other.classList.toggle("active", other === chip);
  Object.assign(state, { category: chip.dataset.slug, page: 1 });
  showProducts();
});

pager.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button) return;
  state.page = Number(button.dataset.page);
  showProducts();
});

let typing;
search.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => { Object.assign(state, { q: search.value.trim(), page: 1 }); showProducts(); }, 250);
});
document.getElementById("search-form").addEventListener("submit", (event) => event.preventDefault());
sort.addEventListener("change", () => { Object.assign(state, { sort: sort.value, page: 1 }); showProducts(); });
inStock.addEventListener("change", () => { Object.assign(state, { inStock: inStock.checked, page: 1 }); showProducts(); });

async function showSales() {
  const lists = await Promise.all(["active", "scheduled"].map((status) => api("GET", `/flash-sales?status=${status}`)));
  const sales = lists.flatMap((list) => list.items);
  document.getElementById("sales").replaceChildren(...sales.map((sale) =>
    element("a", { className: "sale-banner", href: `/flash-sale.html#${encodeURIComponent(sale.slug)}`,
      textContent: `⚡ ${sale.name} — ${sale.status === "active" ? "đang diễn ra" : "sắp bắt đầu"}` })));
}

checkReadiness();
showSales().catch(() => null);
showCategories().catch(() => null);
showProducts();
