// The storefront home: the current or next flash sale with a countdown on the server's clock, favourites,
// and the catalogue with categories, search, price and stock filters, sorting and paging.
import { api, serverSkew } from "/js/api.js";
import { duration, element, productCard } from "/js/format.js";
import { explain, t, written } from "/js/i18n.js";
import "/js/layout.js";

const grid = document.getElementById("products");
const chips = document.getElementById("categories");
const about = document.getElementById("category-description");
const pager = document.getElementById("pager");
const count = document.getElementById("count");
const search = document.getElementById("search");
const sort = document.getElementById("sort");
const inStock = document.getElementById("in-stock");
const minPrice = document.getElementById("min-price");
const maxPrice = document.getElementById("max-price");

const query = new URLSearchParams(location.search);
const state = { q: query.get("q") ?? "", category: query.get("category") ?? "", sort: "", inStock: false, min: "", max: "", page: 1 };
search.value = state.q;

/** Keeps the address shareable: `/?category=banh-kem&q=dau` opens the same view. */
function remember() {
  const params = new URLSearchParams();
  if (state.category) params.set("category", state.category);
  if (state.q) params.set("q", state.q);
  history.replaceState(null, "", params.size ? `/?${params}` : "/");
}

/** The categories by slug, to describe the chosen one. */
const categories = new Map();

/** The chosen category's description in the shopper's language (else the other one), hidden for "all". */
function describeCategory() {
  const category = categories.get(state.category);
  const text = category ? written(category.description, category.descriptionEn) : null;
  about.textContent = text?.text ?? "";
  if (text) about.lang = text.lang;
  about.hidden = !text;
}

async function showCategories() {
  const { items } = await api("GET", "/categories");
  for (const category of items) categories.set(category.slug, category);
  const chip = (slug, label) => {
    const button = element("button", { type: "button", textContent: label, className: slug === state.category ? "chip active" : "chip" });
    button.dataset.slug = slug;
    button.setAttribute("aria-pressed", String(slug === state.category));
    return button;
  };
  chips.replaceChildren(chip("", t("home.allCategories")), ...items.map((category) => chip(category.slug, `${category.name} (${category.productCount})`)));
  describeCategory();
}

async function showProducts() {
  const params = new URLSearchParams({ page: state.page, limit: 12 });
  if (state.q) params.set("q", state.q);
  if (state.category) params.set("category", state.category);
  if (state.sort) params.set("sort", state.sort);
  if (state.inStock) params.set("inStock", "true");
  if (state.min) params.set("minPrice", state.min);
  if (state.max) params.set("maxPrice", state.max);
  try {
    const page = await api("GET", `/products?${params}`);
    grid.replaceChildren(...page.items.map(productCard));
    count.textContent = t("home.count", { n: page.total });
    const pages = Math.max(1, Math.ceil(page.total / page.limit));
    pager.replaceChildren(...Array.from({ length: pages > 1 ? pages : 0 }, (_, index) => {
      const button = element("button", { type: "button", textContent: String(index + 1), className: index + 1 === state.page ? "active" : "" });
      button.dataset.page = String(index + 1);
      if (index + 1 === state.page) button.setAttribute("aria-current", "page");
      return button;
    }));
    if (page.items.length === 0) grid.append(element("p", { textContent: t("home.none") }));
  } catch (error) {
    grid.replaceChildren(element("p", { textContent: explain(error) }));
  }
}

function update(changes) {
  Object.assign(state, changes, { page: changes.page ?? 1 });
  remember();
  showProducts();
}

chips.addEventListener("click", (event) => {
  const chip = event.target.closest("button");
  if (!chip) return;
  for (const other of chips.children) {
    other.classList.toggle("active", other === chip);
    other.setAttribute("aria-pressed", String(other === chip));
  }
  update({ category: chip.dataset.slug });
  describeCategory();
});
pager.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (button) update({ page: Number(button.dataset.page) });
});

let typing;
const debounce = (action) => { clearTimeout(typing); typing = setTimeout(action, 250); };
search.addEventListener("input", () => debounce(() => update({ q: search.value.trim() })));
document.getElementById("search-form").addEventListener("submit", (event) => { event.preventDefault(); update({ q: search.value.trim() }); });
sort.addEventListener("change", () => update({ sort: sort.value }));
inStock.addEventListener("change", () => update({ inStock: inStock.checked }));
for (const input of [minPrice, maxPrice]) {
  input.addEventListener("input", () => debounce(() => update({ min: minPrice.value, max: maxPrice.value })));
}

async function showFeatured() {
  const page = await api("GET", "/products?sort=rating&limit=4&inStock=true");
  document.getElementById("featured").replaceChildren(...page.items.map(productCard));
}

/** A banner for one sale, counting down on the server's clock to its end (running) or its start (upcoming). */
function saleBanner(sale, skew) {
  const banner = element("a", { className: "sale-banner", href: `/flash-sale.html#${encodeURIComponent(sale.slug)}` });
  const label = element("span", { className: "countdown" });
  banner.append(element("strong", { textContent: `⚡ ${sale.name}` }), element("br"), label);
  const tick = () => {
    const live = sale.status === "active";
    const left = (Date.parse(live ? sale.endsAt : sale.startsAt) - (Date.now() + skew)) / 1000;
    label.textContent = left <= 0 && live ? t("sale.ended") : t(live ? "sale.live" : "sale.next", { time: duration(left) });
    if (left <= 0 && !live) sale.status = "active";
  };
  tick();
  setInterval(tick, 1000);
  return banner;
}

/** The sale on now and the next one to open, each with its countdown. */
async function showSale() {
  const [active, scheduled, skew] = await Promise.all([
    api("GET", "/flash-sales?status=active"), api("GET", "/flash-sales?status=scheduled"), serverSkew(),
  ]);
  const next = scheduled.items.sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt))[0];
  const sales = [active.items[0], next].filter(Boolean);
  if (sales.length === 0) return;
  document.getElementById("sales").replaceChildren(...sales.map((sale) => saleBanner(sale, skew)));
}

showSale().catch(() => null);
showFeatured().catch(() => null);
showCategories().catch(() => null);
showProducts();
