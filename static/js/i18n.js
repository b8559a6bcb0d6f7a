// Vietnamese and English for every customer-facing text. The language comes from the shopper's choice
// (remembered in localStorage), else from the browser's language; money reads "1.234.000 ₫" in both.
// Pages mark static text with data-i18n (text), data-i18n-placeholder and data-i18n-label (aria-label).

const STORAGE_KEY = "klelite_lang";

/** key → [Vietnamese, English]; `{name}` is replaced from the values passed to t(). */
const TEXT = {
  "nav.shop": ["Cửa hàng", "Shop"],
  "nav.sale": ["Flash sale", "Flash sale"],
  "nav.orders": ["Đơn hàng", "Orders"],
  "nav.account": ["Tài khoản", "Account"],
  "nav.signin": ["Đăng nhập", "Sign in"],
  "nav.cart": ["Giỏ hàng", "Cart"],
  "nav.bell": ["Thông báo", "Notifications"],
  "nav.main": ["Điều hướng chính", "Main navigation"],
  "lang.switch": ["English", "Tiếng Việt"],
  "lang.label": ["Chuyển sang tiếng Anh", "Switch to Vietnamese"],
  "footer.tagline": ["Tiệm bánh KLeLite · Nướng mỗi sáng ở Sài Gòn", "KLeLite bakery · Baked every morning in Saigon"],
  "footer.shipping": ["Miễn phí giao hàng từ {amount}", "Free delivery from {amount}"],
  "common.loading": ["Đang tải…", "Loading…"],
  "common.signinFirst": ["Hãy đăng nhập để tiếp tục.", "Please sign in to continue."],
  "common.close": ["Đóng", "Close"],
  "common.save": ["Lưu", "Save"],
  "common.remove": ["Xoá", "Remove"],
  "common.quantity": ["Số lượng", "Quantity"],
  "common.minutes": ["{m} phút {s} giây", "{m} min {s} s"],
  "home.title": ["Tiệm bánh cao cấp KLeLite", "KLeLite fine bakery"],
  "home.lead": ["Bánh kem, viennoiserie và bánh truyền thống, nướng mỗi sáng.", "Cakes, viennoiserie and traditional pastries, baked every morning."],
  "home.featured": ["Bánh được yêu thích", "Customer favourites"],
  "home.all": ["Tất cả bánh", "All our bakes"],
  "home.search": ["Tìm bánh… (vd: banh kem dau)", "Search… (e.g. strawberry cake)"],
  "home.searchLabel": ["Tìm bánh", "Search the bakery"],
  "home.sort": ["Sắp xếp", "Sort"],
  "home.sortNew": ["Mới nhất / phù hợp nhất", "Newest / best match"],
  "home.sortPriceUp": ["Giá tăng dần", "Price: low to high"],
  "home.sortPriceDown": ["Giá giảm dần", "Price: high to low"],
  "home.sortRating": ["Đánh giá cao", "Top rated"],
  "home.sortName": ["Tên A–Z", "Name A–Z"],
  "home.inStock": ["Còn hàng", "In stock"],
  "home.minPrice": ["Giá từ", "Price from"],
  "home.maxPrice": ["Giá đến", "Price to"],
  "home.categories": ["Danh mục", "Categories"],
  "home.allCategories": ["Tất cả", "All"],
  "home.count": ["{n} sản phẩm", "{n} products"],
  "home.count.one": ["{n} sản phẩm", "{n} product"],
  "home.none": ["Không tìm thấy bánh phù hợp.", "No bakes match your search."],
  "home.pages": ["Trang", "Pages"],
  "home.products": ["Sản phẩm", "Products"],
  "sale.live": ["Đang diễn ra · kết thúc sau {time}", "On now · ends in {time}"],
  "sale.next": ["Sắp bắt đầu · sau {time}", "Coming up · starts in {time}"],
  "sale.ended": ["Đã kết thúc", "This sale has ended"],
  "sale.reserve": ["Giữ chỗ", "Reserve"],
  "sale.soldOut": ["Hết hàng", "Sold out"],
  "sale.left": ["Còn {n}/{total}", "{n} of {total} left"],
  "sale.limit": ["Tối đa {n} mỗi người", "Limit {n} per customer"],
  "sale.mine": ["Giữ chỗ của tôi", "My reservations"],
  "sale.noneMine": ["Bạn chưa giữ chỗ món nào.", "You have no reservations."],
  "sale.held": ["Đã giữ chỗ! Thanh toán trước khi hết giờ.", "Reserved! Check out before the timer runs out."],
  "sale.expires": ["Còn {time}", "{time} left"],
  "sale.release": ["Bỏ giữ chỗ", "Release"],
  "sale.released": ["Đã bỏ giữ chỗ.", "Reservation released."],
  "sale.checkout": ["Đi tới thanh toán", "Go to checkout"],
  "sale.err.sold_out": ["Hết hàng rồi!", "Sold out!"],
  "sale.err.limit_exceeded": ["Bạn đã đạt giới hạn cho món này.", "You have reached the limit for this item."],
  "sale.err.not_active": ["Flash sale chưa mở.", "This sale is not open yet."],
  "sale.err.rate_limited": ["Bạn thao tác quá nhanh, thử lại sau {n} giây.", "Too fast: try again in {n} seconds."],
  "sale.err.signin": ["Hãy đăng nhập để giữ chỗ.", "Sign in to reserve."],
  "sale.early": ["Mở sớm cho hạng {tier} từ {minutes} phút trước giờ bán.", "Opens early for {tier} members, {minutes} minutes ahead."],
  "sale.notOpen": ["Chưa mở bán", "Not open yet"],
  "sale.earlyYou": ["Bạn ở hạng {tier}: bạn được giữ chỗ sớm ngay bây giờ!", "You are a {tier} member: you can reserve early now!"],
  "sale.earlyNot": ["Giờ mở sớm dành cho hạng {tier} trở lên; bạn đang ở hạng {yours}. Hẹn bạn lúc flash sale bắt đầu!", "Early access is for {tier} members and above; you are {yours}. See you when the sale opens!"],
  "sale.stockBar": ["Đã bán {pct}%", "{pct}% sold"],
  "sale.items": ["Sản phẩm giảm giá", "Sale items"],
  "product.add": ["Thêm vào giỏ", "Add to cart"],
  "product.added": ["Đã thêm {name} vào giỏ.", "Added {name} to your cart."],
  "product.stock": ["Còn {n} chiếc", "{n} in stock"],
  "product.soldOut": ["Hết hàng", "Sold out"],
  "product.rating": ["★ {avg} ({n} đánh giá)", "★ {avg} ({n} reviews)"],
  "product.rating.one": ["★ {avg} ({n} đánh giá)", "★ {avg} ({n} review)"],
  "product.ingredients": ["Thành phần:", "Ingredients:"],
  "product.allergens": ["Dị ứng: {v}", "Allergens: {v}"],
  "allergen.gluten": ["gluten", "gluten"],
  "allergen.egg": ["trứng", "egg"],
  "allergen.milk": ["sữa", "milk"],
  "allergen.nuts": ["các loại hạt", "nuts"],
  "allergen.peanuts": ["đậu phộng", "peanuts"],
  "allergen.sesame": ["mè", "sesame"],
  "allergen.soy": ["đậu nành", "soy"],
  "allergen.fish": ["cá", "fish"],
  "allergen.shellfish": ["hải sản có vỏ", "shellfish"],
  "product.flash": ["Giá flash sale {price} — giữ chỗ ngay", "Flash sale price {price} — reserve now"],
  "product.reviews": ["Đánh giá", "Reviews"],
  "product.noReviews": ["Chưa có đánh giá.", "No reviews yet."],
  "product.stars": ["Số sao", "Stars"],
  "product.comment": ["Nhận xét", "Comment"],
  "product.sendReview": ["Gửi đánh giá", "Send review"],
  "product.thanks": ["Cảm ơn bạn đã đánh giá!", "Thank you for your review!"],
  "product.gallery": ["Ảnh sản phẩm", "Product pictures"],
  "product.picture": ["Ảnh {n}", "Picture {n}"],
  "cart.title": ["Giỏ hàng", "Your cart"],
  "cart.empty": ["Giỏ hàng đang trống.", "Your cart is empty."],
  "cart.browse": ["Xem bánh", "Browse the bakery"],
  "cart.reservations": ["Flash sale đang giữ", "Held flash-sale units"],
  "cart.subtotal": ["Tạm tính", "Subtotal"],
  "cart.shipping": ["Phí giao hàng", "Delivery"],
  "cart.free": ["Miễn phí", "Free"],
  "cart.freeFrom": ["Miễn phí giao hàng từ {amount} — còn thiếu {missing}.", "Free delivery from {amount} — {missing} to go."],
  "cart.freeReached": ["Bạn được miễn phí giao hàng.", "You get free delivery."],
  "cart.voucher": ["Mã giảm giá", "Voucher code"],
  "cart.apply": ["Áp dụng", "Apply"],
  "cart.discount": ["Giảm giá", "Discount"],
  "cart.points": ["Dùng điểm (có {balance} điểm, tối đa {max})", "Use points (you have {balance}, up to {max})"],
  "cart.pointsCap": ["Điểm trừ tối đa 50% tạm tính; 1 điểm = 10 ₫.", "Points cover at most 50% of the subtotal; 1 point = 10 ₫."],
  "cart.pointsValue": ["Điểm thưởng", "Points"],
  "cart.total": ["Tổng cộng", "Total"],
  "cart.checkout": ["Thanh toán", "Check out"],
  "cart.signinToCheckout": ["Đăng nhập để thanh toán", "Sign in to check out"],
  "cart.line": ["Số lượng của {name}", "Quantity of {name}"],
  "checkout.title": ["Thanh toán", "Checkout"],
  "checkout.address": ["Địa chỉ giao hàng", "Delivery address"],
  "checkout.name": ["Họ tên người nhận", "Recipient name"],
  "checkout.phone": ["Điện thoại", "Phone"],
  "checkout.line": ["Số nhà, đường", "Street address"],
  "checkout.ward": ["Phường/xã", "Ward"],
  "checkout.district": ["Quận/huyện", "District"],
  "checkout.city": ["Tỉnh/thành phố", "City"],
  "checkout.note": ["Ghi chú cho tiệm", "Note for the bakery"],
  "checkout.payment": ["Phương thức thanh toán", "Payment method"],
  "checkout.cod": ["Thanh toán khi nhận hàng (COD)", "Cash on delivery"],
  "checkout.card": ["Thẻ ngân hàng", "Card"],
  "checkout.bank_transfer": ["Chuyển khoản", "Bank transfer"],
  "checkout.place": ["Đặt hàng", "Place order"],
  "checkout.placing": ["Đang đặt hàng…", "Placing your order…"],
  "checkout.summary": ["Đơn của bạn", "Your order"],
  "checkout.fix": ["Vui lòng kiểm tra các ô được đánh dấu.", "Please check the highlighted fields."],
  "checkout.empty": ["Giỏ hàng trống, chưa thể thanh toán.", "Your cart is empty."],
  "orders.title": ["Đơn hàng của tôi", "My orders"],
  "orders.none": ["Bạn chưa có đơn hàng nào.", "You have no orders yet."],
  "orders.placed": ["Cảm ơn bạn! Đơn {code} đã được đặt.", "Thank you! Order {code} is placed."],
  "orders.timeline": ["Hành trình đơn hàng", "Order timeline"],
  "orders.cancel": ["Huỷ đơn", "Cancel order"],
  "orders.cancelled": ["Đã huỷ đơn.", "Order cancelled."],
  "orders.pay": ["Thanh toán ngay", "Pay now"],
  "orders.back": ["← Tất cả đơn hàng", "← All orders"],
  "orders.payment": ["Thanh toán: {method} · {state}", "Payment: {method} · {state}"],
  "orders.shipTo": ["Giao tới", "Deliver to"],
  "pay.cod": ["trả khi nhận hàng", "pay on delivery"],
  "pay.awaiting": ["chờ thanh toán", "awaiting payment"],
  "pay.paid": ["đã thanh toán", "paid"],
  "pay.unpaid": ["không thanh toán", "not paid"],
  "pay.refunding": ["đang hoàn tiền", "refund in progress"],
  "pay.refunded": ["đã hoàn tiền", "refunded"],
  "status.pending": ["Chờ xác nhận", "Pending"],
  "status.confirmed": ["Đã xác nhận", "Confirmed"],
  "status.preparing": ["Đang chuẩn bị", "Preparing"],
  "status.shipping": ["Đang giao", "Out for delivery"],
  "status.delivered": ["Đã giao", "Delivered"],
  "status.cancelled": ["Đã huỷ", "Cancelled"],
  "status.refund_pending": ["Chờ hoàn tiền", "Refund pending"],
  "status.refunded": ["Đã hoàn tiền", "Refunded"],
  "timeline.pending": ["Đơn hàng đã được đặt.", "Order placed."],
  "timeline.confirmed": ["Tiệm đã xác nhận đơn hàng.", "The bakery confirmed the order."],
  "timeline.preparing": ["Tiệm đang làm bánh cho đơn này.", "The bakery is preparing the order."],
  "timeline.shipping": ["Đơn hàng đang trên đường giao.", "The order is on its way."],
  "timeline.delivered": ["Đơn hàng đã giao đến người nhận.", "The order was delivered."],
  "timeline.cancelled": ["Đơn hàng đã bị huỷ.", "The order was cancelled."],
  "timeline.refund_pending": ["Tiệm sẽ hoàn lại tiền đã thanh toán.", "The bakery will refund the payment."],
  "timeline.refunded": ["Tiền đã được hoàn lại.", "The payment was refunded."],
  "timeline.paid": ["Đã nhận thanh toán.", "Payment received."],
  "timeline.paymentFailed": ["Thanh toán không thành công.", "The payment failed."],
  "timeline.unpaid": ["Không thanh toán kịp hạn.", "Not paid in time."],
  "timeline.paidAfterCancel": ["Tiền thanh toán đến sau khi đơn đã huỷ.", "The payment arrived after the order was cancelled."],
  "timeline.shopNote": ["Ghi chú của tiệm: {note}", "Note from the bakery: {note}"],
  "saleStatus.scheduled": ["Sắp diễn ra", "Scheduled"],
  "saleStatus.active": ["Đang diễn ra", "On now"],
  "saleStatus.ended": ["Đã kết thúc", "Ended"],
  "saleStatus.cancelled": ["Đã huỷ", "Cancelled"],
  "jobStatus.queued": ["Đang chờ", "Queued"],
  "jobStatus.running": ["Đang chạy", "Running"],
  "jobStatus.completed": ["Đã xong", "Done"],
  "jobStatus.dead": ["Hỏng", "Failed"],
  "notes.title": ["Thông báo", "Notifications"],
  "notes.none": ["Không có thông báo.", "No notifications."],
  "notes.readAll": ["Đánh dấu đã đọc tất cả", "Mark all as read"],
  "notes.read": ["Đã đọc", "Mark read"],
  "notes.unread": ["{n} chưa đọc", "{n} unread"],
  "account.hello": ["Xin chào, {name}", "Hello, {name}"],
  "account.profile": ["Hồ sơ", "Profile"],
  "account.password": ["Đổi mật khẩu", "Change password"],
  "account.current": ["Mật khẩu hiện tại", "Current password"],
  "account.new": ["Mật khẩu mới", "New password"],
  "account.saved": ["Đã lưu.", "Saved."],
  "account.passwordSaved": ["Đã đổi mật khẩu.", "Password changed."],
  "account.loyalty": ["Điểm thưởng", "Loyalty points"],
  "account.balance": ["{n} điểm · hạng {tier}", "{n} points · {tier} tier"],
  "account.balance.one": ["{n} điểm · hạng {tier}", "{n} point · {tier} tier"],
  "account.next": ["Còn {n} điểm để lên hạng {tier}", "{n} points to {tier}"],
  "account.top": ["Bạn đang ở hạng cao nhất.", "You are at the top tier."],
  "account.history": ["Lịch sử điểm", "Points history"],
  "account.noHistory": ["Chưa có điểm nào.", "No points yet."],
  "account.signout": ["Đăng xuất", "Sign out"],
  "account.signoutAll": ["Đăng xuất mọi thiết bị", "Sign out everywhere"],
  "account.signedOut": ["Đã đăng xuất.", "Signed out."],
  "account.login": ["Đăng nhập", "Sign in"],
  "account.register": ["Tạo tài khoản", "Create an account"],
  "account.forgot": ["Quên mật khẩu", "Forgot password"],
  "account.sendLink": ["Gửi liên kết đặt lại", "Send reset link"],
  "account.linkSent": ["Nếu email này có tài khoản, chúng tôi đã gửi liên kết đặt lại mật khẩu.", "If this email has an account, we sent a reset link."],
  "account.name": ["Họ tên", "Name"],
  "account.phone": ["Điện thoại", "Phone"],
  "account.passwordField": ["Mật khẩu", "Password"],
  "account.passwordHint": ["Ít nhất 8 ký tự, có cả chữ và số.", "At least 8 characters, with letters and digits."],
  "account.welcome": ["Chào mừng bạn!", "Welcome!"],
  "loyalty.earn": ["Tích điểm", "Earned"],
  "loyalty.redeem": ["Dùng điểm", "Redeemed"],
  "loyalty.expire": ["Hết hạn", "Expired"],
  "loyalty.refund": ["Hoàn điểm", "Refunded"],
  "loyalty.adjust": ["Điều chỉnh", "Adjusted"],
  "tier.bronze": ["Đồng", "Bronze"],
  "tier.silver": ["Bạc", "Silver"],
  "tier.gold": ["Vàng", "Gold"],
  "tier.platinum": ["Bạch kim", "Platinum"],
  "error.generic": ["Có lỗi xảy ra, vui lòng thử lại.", "Something went wrong, please try again."],
  "err.validation_failed": ["Vui lòng kiểm tra lại thông tin.", "Please check what you entered."],
  "err.unauthorized": ["Email hoặc mật khẩu chưa đúng, hoặc phiên đăng nhập đã hết hạn.", "Wrong email or password, or your session has expired."],
  "err.forbidden": ["Bạn không có quyền làm việc này.", "You are not allowed to do this."],
  "err.not_found": ["Không tìm thấy — có thể nó đã bị xoá.", "Not found: it may have been removed."],
  "err.conflict": ["Việc này không làm được lúc này; hãy tải lại trang rồi thử lại.", "This cannot be done right now; reload the page and try again."],
  "err.rate_limited": ["Bạn thao tác quá nhanh, vui lòng thử lại sau ít phút.", "Too many attempts: please try again in a few minutes."],
  "err.payload_too_large": ["Tệp hoặc nội dung quá lớn.", "That is too large."],
  "err.unavailable": ["Tiệm đang bận, vui lòng thử lại sau giây lát.", "The shop is busy: please try again in a moment."],
  "field.address.name": ["Nhập họ tên người nhận (tối đa 100 ký tự).", "Enter the recipient's name (at most 100 characters)."],
  "field.address.phone": ["Số điện thoại gồm 8–15 chữ số, có thể bắt đầu bằng +.", "8–15 digits, optionally starting with +."],
  "field.address.line": ["Nhập số nhà và tên đường (tối đa 200 ký tự).", "Enter the street address (at most 200 characters)."],
  "field.address.ward": ["Nhập phường/xã (tối đa 100 ký tự).", "Enter the ward (at most 100 characters)."],
  "field.address.district": ["Nhập quận/huyện (tối đa 100 ký tự).", "Enter the district (at most 100 characters)."],
  "field.address.city": ["Nhập tỉnh/thành phố (tối đa 100 ký tự).", "Enter the city (at most 100 characters)."],
  "field.phone": ["Số điện thoại gồm 8–15 chữ số, có thể bắt đầu bằng +.", "Phone: 8–15 digits, optionally starting with +."],
  "field.email": ["Email chưa đúng hoặc đã được đăng ký.", "This email is not valid or is already registered."],
  "field.password": ["Mật khẩu cần ít nhất 8 ký tự, có cả chữ và số.", "The password needs at least 8 characters, with letters and digits."],
  "field.newPassword": ["Mật khẩu mới cần ít nhất 8 ký tự, có cả chữ và số.", "The new password needs at least 8 characters, with letters and digits."],
  "field.currentPassword": ["Mật khẩu hiện tại chưa đúng.", "The current password is not correct."],
  "field.name": ["Nhập họ tên (tối đa 100 ký tự).", "Enter your name (at most 100 characters)."],
  "field.note": ["Ghi chú tối đa 500 ký tự.", "The note can have at most 500 characters."],
  "field.paymentMethod": ["Tiệm chưa nhận cách thanh toán này.", "The bakery does not take this payment method."],
  "field.voucherCode": ["Mã giảm giá này không dùng được cho đơn này.", "This voucher cannot be used for this order."],
  "field.pointsToRedeem": ["Số điểm vượt quá số dư hoặc quá 50% tạm tính.", "More points than your balance or half the subtotal."],
  "field.quantity": ["Số lượng không hợp lệ hoặc vượt quá số bánh còn lại.", "That quantity is not possible or more than we have."],
  "field.cart": ["Giỏ hàng trống.", "Your cart is empty."],
  "field.rating": ["Chọn từ 1 đến 5 sao.", "Choose 1 to 5 stars."],
  "field.comment": ["Nhận xét tối đa 2000 ký tự.", "The comment can have at most 2000 characters."],
  "field.token": ["Liên kết đặt lại mật khẩu không hợp lệ hoặc đã hết hạn.", "This reset link is not valid or has expired."],
  "note.orderPlaced": ["Đã nhận đơn {code}", "Order {code} received"],
  "note.orderStatus": ["Đơn {code} {status}", "Order {code}: {status}"],
  "note.orderTotal": ["Tổng cộng {total}", "Total {total}"],
  "note.saleStarted": ["{name} đã bắt đầu", "{name} has started"],
  "note.saleBody": ["Số lượng có hạn — đặt ngay kẻo lỡ!", "Limited quantities: reserve before they are gone!"],
};

function detect() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === "vi" || saved === "en") return saved;
  const wanted = navigator.languages?.length ? navigator.languages : [navigator.language ?? "vi"];
  const first = wanted.find((tag) => /^(vi|en)\b/i.test(tag)) ?? "vi";
  return first.toLowerCase().startsWith("en") ? "en" : "vi";
}

/** "vi" or "en". */
export const lang = detect();
const column = lang === "en" ? 1 : 0;

/** The text for a key in the current language, with `{name}` placeholders filled in. */
export function t(key, values = {}) {
  // English counts one thing in the singular: a `key.one` entry, when there is one, is used for n = 1.
  const entry = (values.n === 1 && TEXT[`${key}.one`]) || TEXT[key];
  const text = entry ? entry[column] : key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

/** An allergen tag (the API keeps them as lowercase English codes) in the shopper's language; an unknown one as is. */
export function allergen(code) {
  return TEXT[`allergen.${code}`]?.[column] ?? code;
}

/** The translated message for one field of an error envelope, or null when the field has none. */
export function fieldText(field) {
  return `field.${field}` in TEXT ? t(`field.${field}`) : null;
}

/**
 * What went wrong, in the shopper's language: field by field for an envelope with `fields`, else by its
 * `code`. The API's own English `message` is never shown to shoppers.
 */
export function explain(error) {
  const known = [...new Set(Object.keys(error?.fields ?? {}).map(fieldText).filter(Boolean))];
  if (known.length) return known.join(" ");
  return codeText(error?.code);
}

/** What an error envelope's `code` means, in the current language (a generic apology for a code we have no words for). */
export function codeText(code) {
  return `err.${code}` in TEXT ? t(`err.${code}`) : t("error.generic");
}

/**
 * A text the bakery wrote in both languages (`description`/`descriptionEn`, `ingredients`/`ingredientsEn`…):
 * the shopper's own, else the other one with the language it is written in (for the element's `lang`),
 * else null when neither is written.
 */
export function written(vi, en) {
  const [mine, other] = lang === "en" ? [en, vi] : [vi, en];
  if (mine) return { text: mine, lang };
  if (other) return { text: other, lang: lang === "en" ? "vi" : "en" };
  return null;
}

/** Remembers the choice and reloads the page in that language. */
export function setLang(next) {
  localStorage.setItem(STORAGE_KEY, next);
  location.reload();
}

/** Translates the marked static text under `root`. */
export function translate(root = document) {
  document.documentElement.lang = lang;
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const node of root.querySelectorAll("[data-i18n-label]")) node.setAttribute("aria-label", t(node.dataset.i18nLabel));
}

/** What one step of an order's history means, in words: the status's sentence, then its note. The shop's own
 * notes (typed by the admin) are quoted; the server's fixed notes about payments are translated. */
export function historyText(step) {
  const lines = [t(`timeline.${step.status}`)];
  const note = (step.note ?? "").trim();
  if (/^payment \S+ arrived after the order was cancelled$/.test(note)) lines.push(t("timeline.paidAfterCancel"));
  else if (note === "payment failed") lines.push(t("timeline.paymentFailed"));
  else if (note === "not paid in time") lines.push(t("timeline.unpaid"));
  else if (/^payment \S+$/.test(note)) lines.push(t("timeline.paid"));
  else if (note) lines.push(t("timeline.shopNote", { note }));
  return lines;
}

/** Dates and times in the shopper's language. */
export const dateTime = (value) =>
  new Date(value).toLocaleString(lang === "en" ? "en-GB" : "vi-VN", { dateStyle: "medium", timeStyle: "short" });
