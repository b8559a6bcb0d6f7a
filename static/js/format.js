// Shared display helpers for the storefront pages.
import { t } from "/js/i18n.js";

const vnd = new Intl.NumberFormat("vi-VN", { style: "currency", currency: "VND", maximumFractionDigits: 0 });

/** 125000 → "125.000 ₫" (prices are whole đồng), in both languages. */
export const money = (amount) => vnd.format(amount);

/** Creates an element with properties and children; text is always set as text, never as HTML. */
export function element(tag, properties = {}, ...children) {
  const node = Object.assign(document.createElement(tag), properties);
  for (const child of children) node.append(child);
  return node;
}

/** "4 phút 05 giây" / "4 min 05 s" for a number of seconds (never negative). */
export function duration(seconds) {
  const left = Math.max(0, Math.round(seconds));
  const hours = Math.floor(left / 3600);
  const text = t("common.minutes", { m: Math.floor((left % 3600) / 60), s: String(left % 60).padStart(2, "0") });
  return hours > 0 ? `${hours}h ${text}` : text;
}

/** A product card: picture, name, price (with the struck compare-at price) and stock. */
export function productCard(product) {
  const link = element("a", { href: `/product.html#${encodeURIComponent(product.slug)}`, className: "card-link" });
  if (product.images[0]) {
    link.append(element("img", { src: product.images[0], alt: "", width: 240, height: 240, loading: "lazy" }));
  }
  link.append(element("h3", { textContent: product.name }));
  const price = element("p", { className: "price" }, money(product.price));
  if (product.compareAtPrice) price.append(" ", element("s", { textContent: money(product.compareAtPrice) }));
  link.append(price);
  if (!product.inStock) link.append(element("p", { className: "sold-out", textContent: t("product.soldOut") }));
  return element("article", { className: "product" }, link);
}

/** The shop's shipping rule, as the server applies it (FREE_SHIPPING_THRESHOLD, SHIPPING_FEE defaults). */
export const SHIPPING = { threshold: 500000, fee: 30000 };

/** The voucher code and points chosen in the cart, carried to checkout for this tab. */
export const checkoutChoices = {
  load: () => JSON.parse(sessionStorage.getItem("klelite_checkout") ?? "{}"),
  save: (choices) => sessionStorage.setItem("klelite_checkout", JSON.stringify(choices)),
};
