// One product: pictures, price, details, rating and reviews; signed-in shoppers may add a review.
import { api } from "/js/api.js";
import { element, money } from "/js/format.js";

const slug = decodeURIComponent(location.hash.slice(1));
const container = document.getElementById("product");
const reviewList = document.getElementById("reviews");
const form = document.getElementById("review-form");
const notice = document.getElementById("review-notice");

async function showProduct() {
  try {
    const product = await api("GET", `/products/${encodeURIComponent(slug)}`);
    document.title = `${product.name} — KLeLite`;
    const price = element("p", { className: "price" }, money(product.price));
    if (product.compareAtPrice) price.append(" ", element("s", { textContent: money(product.compareAtPrice) }));
    container.replaceChildren(
      ...product.images.map((src) => element("img", { src, alt: product.name, width: 360, height: 360 })),
      element("h1", { textContent: product.name }),
      price,
      element("p", { textContent: product.description }),
      element("p", { className: "meta", textContent: product.inStock ? `Còn ${product.stock} chiếc` : "Hết hàng" }),
      element("p", { className: "meta", textContent: `★ ${product.rating.average.toFixed(1)} (${product.rating.count} đánh giá)` }),
      element("p", { className: "meta", textContent: product.ingredients ? `Thành phần: ${product.ingredients}` : "" }),
      element("p", { className: "meta", textContent: product.allergens.length ? `Dị ứng: ${product.allergens.join(", ")}` : "" }),
    );
    return product;
  } catch (error) {
    container.replaceChildren(element("p", { textContent: error.message }));
    return null;
  }
}

async function showReviews(product) {
  const page = await api("GET", `/products/${product.id}/reviews`);
  reviewList.replaceChildren(...page.items.map((review) =>
    element("blockquote", {}, element("strong", { textContent: `${"★".repeat(review.rating)} ${review.userName}` }),
      element("p", { textContent: review.comment }))));
}

const product = await showProduct();
if (product) {
  await showReviews(product);
  form.hidden = !(await api("GET", "/auth/me").catch(() => null));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    try {
      await api("POST", `/products/${product.id}/reviews`, { rating: Number(data.get("rating")), comment: data.get("comment") });
      notice.textContent = "Cảm ơn bạn đã đánh giá!";
      form.reset();
      await showReviews(product);
    } catch (error) {
      notice.textContent = error.message;
    }
  });
}
