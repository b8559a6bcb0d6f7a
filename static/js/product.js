// One product: a picture gallery, price (the flash price when it is on sale), details, quantity and
// add to cart (guests too), rating and reviews; signed-in shoppers may add a review.
import { api } from "/js/api.js";
import { element, money } from "/js/format.js";
import { allergen, explain, t, written } from "/js/i18n.js";
import { refreshCart, session, toast } from "/js/layout.js";

/** Another product or sale in the same tab (a link to another #slug) loads that one. */
window.addEventListener("hashchange", () => location.reload());

const slug = decodeURIComponent(location.hash.slice(1));
const container = document.getElementById("product");
const reviewList = document.getElementById("reviews");
const form = document.getElementById("review-form");
const notice = document.getElementById("review-notice");

function gallery(product) {
  const main = element("img", { className: "gallery-main", src: product.images[0] ?? "", alt: product.name, width: 480, height: 480 });
  const figure = element("figure", { className: "gallery" }, main);
  figure.style.margin = "0";
  if (product.images.length > 1) {
    const thumbs = element("div", { className: "thumbs" });
    thumbs.setAttribute("role", "group");
    thumbs.setAttribute("aria-label", t("product.gallery"));
    product.images.forEach((src, index) => {
      const button = element("button", { type: "button" }, element("img", { src, alt: "", width: 64, height: 64 }));
      button.setAttribute("aria-label", t("product.picture", { n: index + 1 }));
      button.setAttribute("aria-pressed", String(index === 0));
      button.addEventListener("click", () => {
        main.src = src;
        for (const other of thumbs.children) other.setAttribute("aria-pressed", String(other === button));
      });
      thumbs.append(button);
    });
    figure.append(thumbs);
  }
  return figure;
}

function buyForm(product) {
  const quantity = element("input", { type: "number", name: "quantity", min: 1, max: Math.max(1, Math.min(99, product.stock)), value: 1, id: "quantity" });
  const label = element("label", { className: "field", htmlFor: "quantity" }, t("common.quantity"), quantity);
  const add = element("button", { type: "submit", id: "add-to-cart", textContent: t("product.add"), disabled: !product.inStock });
  const buy = element("form", { className: "buy" }, label, add);
  buy.addEventListener("submit", async (event) => {
    event.preventDefault();
    add.disabled = true;
    try {
      const cart = await api("POST", "/cart/items", { productId: product.id, quantity: Number(quantity.value) });
      await refreshCart(cart);
      toast(t("product.added", { name: product.name }), { kind: "ok", link: "/cart.html" });
    } catch (error) {
      toast(explain(error), { kind: "error" });
    } finally {
      add.disabled = !product.inStock;
    }
  });
  return buy;
}

/** The active sale that has this product, if any: its price and a link to reserve. */
async function flashOffer(product) {
  const { items } = await api("GET", "/flash-sales?status=active");
  for (const sale of items) {
    const item = sale.items.find((entry) => entry.productId === product.id);
    if (item && item.remaining > 0) {
      return element("p", { className: "flash-note" },
        element("a", { href: `/flash-sale.html#${encodeURIComponent(sale.slug)}`, textContent: `⚡ ${t("product.flash", { price: money(item.salePrice) })}` }));
    }
  }
  return null;
}

/** The description in the shopper's language, else the other one (marked with its own `lang`), else none. */
function description(product) {
  const text = written(product.description, product.descriptionEn);
  return text ? element("p", { id: "description", textContent: text.text, lang: text.lang }) : "";
}

/** "Ingredients: …" in the shopper's language, else the other one (marked with its own `lang`), else none. */
function ingredients(product) {
  const text = written(product.ingredients, product.ingredientsEn);
  if (!text) return "";
  const list = element("span", { textContent: text.text, lang: text.lang });
  return element("p", { className: "meta", id: "ingredients" }, `${t("product.ingredients")} `, list);
}

async function showProduct() {
  try {
    const product = await api("GET", `/products/${encodeURIComponent(slug)}`);
    document.title = `${product.name} — KLeLite`;
    const price = element("p", { className: "price", id: "price" }, money(product.price));
    if (product.compareAtPrice) price.append(" ", element("s", { textContent: money(product.compareAtPrice) }));
    const details = element("div", {},
      element("h1", { textContent: product.name }),
      price,
      description(product),
      element("p", { className: "meta", textContent: product.inStock ? t("product.stock", { n: product.stock }) : t("product.soldOut") }),
      element("p", { className: "meta", textContent: t("product.rating", { avg: product.rating.average.toFixed(1), n: product.rating.count }) }),
    );
    details.append(ingredients(product));
    if (product.allergens.length) details.append(element("p", { className: "meta", textContent: t("product.allergens", { v: product.allergens.map(allergen).join(", ") }) }));
    details.append(buyForm(product));
    container.replaceChildren(gallery(product), details);
    container.removeAttribute("aria-busy");
    flashOffer(product).then((offer) => offer && price.after(offer)).catch(() => null);
    return product;
  } catch (error) {
    container.replaceChildren(element("p", { textContent: explain(error) }));
    return null;
  }
}

async function showReviews(product) {
  const page = await api("GET", `/products/${product.id}/reviews`);
  reviewList.replaceChildren(...page.items.map((review) =>
    element("blockquote", {}, element("strong", { textContent: `${"★".repeat(review.rating)} ${review.userName}` }),
      element("p", { textContent: review.comment }))));
  if (page.items.length === 0) reviewList.append(element("p", { textContent: t("product.noReviews") }));
}

const product = await showProduct();
if (product) {
  await showReviews(product);
  form.hidden = !(await session);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      await api("POST", `/products/${product.id}/reviews`, { rating: Number(data.get("rating")), comment: data.get("comment") });
      notice.textContent = t("product.thanks");
      form.reset();
      await showReviews(product);
    } catch (error) {
      notice.textContent = explain(error);
    }
  });
}
