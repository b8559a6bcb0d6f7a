// Shared display helpers for the storefront pages.

const vnd = new Intl.NumberFormat("vi-VN", { style: "currency", currency: "VND", maximumFractionDigits: 0 });

/** 125000 → "125.000 ₫" (prices are whole đồng). */
export const money = (amount) => vnd.format(amount);

/** Creates an element with properties and children; text is always set as text, never as HTML. */
export function element(tag, properties = {}, ...children) {
  const node = Object.assign(document.createElement(tag), properties);
  for (const child of children) node.append(child);
  return node;
}

/** A product card: picture, name, price (with the struck compare-at price) and stock. */
export function productCard(product) {
  const link = element("a", { href: `/product.html#${encodeURIComponent(product.slug)}`, className: "card-link" });
  if (product.images[0]) {
    link.append(element("img", { src: product.images[0], alt: product.name, width: 240, height: 240, loading: "lazy" }));
  }
  link.append(element("h3", { textContent: product.name }));
  const price = element("p", { className: "price" }, money(product.price));
  if (product.compareAtPrice) price.append(" ", element("s", { textContent: money(product.compareAtPrice) }));
  link.append(price);
  if (!product.inStock) link.append(element("p", { className: "sold-out", textContent: "Hết hàng" }));
  return element("article", { className: "product" }, link);
}
