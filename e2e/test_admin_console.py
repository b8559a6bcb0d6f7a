"""The admin console in a real Chromium: an admin builds the catalogue, runs a flash sale and watches it live,
moves an order along, retries a dead job and broadcasts; a customer gets 403 from every admin API and sees no
admin data. Every screen is checked for console errors and axe-core violations, and screenshotted."""
import json
import re
import sqlite3
import struct
import time
import uuid
import zlib
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from browser import DESKTOP, PHONE, assert_accessible, open_page, screenshot
from conftest import Server, base_env, eventually, run_cli

ENV = dict(AUTH_RATE_PER_MINUTE="10000", RESERVE_RATE_PER_MINUTE="1000")
ADMIN = {"email": "boss@klelite.vn", "password": "bakery2024"}
ADDRESS = {"name": "Lan", "phone": "0901234567", "line": "12 Lý Thường Kiệt", "ward": "Phường 7", "district": "Quận 10", "city": "TP.HCM"}
SPEC = Path(__file__).resolve().parent.parent / "openapi.yaml"


def png(width=64, height=64, rgb=(194, 24, 91)) -> bytes:
    """A real, solid-colour PNG (so the preview and the storefront show a picture)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("admin") / "data"
    env = base_env(**ENV)
    assert run_cli("seed-demo", data_dir=data_dir, env=env).returncode == 0
    assert run_cli("create-admin", "--email", ADMIN["email"], "--password", ADMIN["password"], data_dir=data_dir, env=env).returncode == 0
    running = Server(data_dir, env=env).start()
    yield running
    running.stop()


class Shopper:
    """A signed-in customer driving the API with requests (cookies and the CSRF header, like the storefront)."""

    def __init__(self, shop: Server, email: str | None = None):
        self.shop = shop
        self.session = requests.Session()
        self.email = email or f"shopper-{uuid.uuid4().hex[:8]}@example.vn"
        registered = self.session.post(shop.url("/api/v1/auth/register"), json={"email": self.email, "password": "banhmi2024", "name": "Lan"})
        assert registered.status_code == 201, registered.text
        self.id = registered.json()["user"]["id"]

    def send(self, method: str, path: str, body=None, **headers):
        headers = {"X-CSRF-Token": self.session.cookies.get("klelite_csrf", ""), **headers}
        return self.session.request(method, self.shop.url(path), json=body, headers=headers, timeout=15)


def watched(page):
    """Keeps each console error with the URL it is about, and every uncaught script error, for `assert_clean`."""
    page.console_log = []
    page.page_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_log.append((message.text, message.location.get("url", ""))))
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    return page


def assert_clean(page, expected_statuses=()):
    """No console error and no failed request, except Chromium's log line for an API answer the test provoked on
    purpose (its status is in `expected_statuses`, which the page was opened to allow) and the storefront's missing
    /favicon.ico (the admin page names its own icon)."""
    unexpected = [
        text for text, url in page.console_log
        if not url.endswith("/favicon.ico") and not any(f"status of {status} " in text for status in expected_statuses)
    ]
    assert not unexpected, f"console errors: {unexpected}"
    assert not page.page_errors, f"script errors: {page.page_errors}"
    assert not page.problems.failed_requests, f"failed requests: {page.problems.failed_requests}"


def shopper_page(browser, shop, shopper, path: str):
    """The shopper's own browser, signed in, on a storefront page."""
    page = watched(open_page(browser, shop.base_url))
    assert page.request.post(shop.url("/api/v1/auth/login"), data={"email": shopper.email, "password": "banhmi2024"}).status == 200
    page.goto(path)
    return page


def admin_page(browser, shop, viewport=DESKTOP, allowed_statuses=()):
    page = watched(open_page(browser, shop.base_url, viewport=viewport, allowed_statuses=allowed_statuses))
    signed_in = page.request.post(shop.url("/api/v1/auth/login"), data=ADMIN)
    assert signed_in.status == 200
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def goto(page, hash_route: str, ready: str):
    page.goto(f"/admin/{hash_route}")
    page.wait_for_selector(ready, timeout=10_000)


def look(page, name: str, expected_statuses=()):
    """Both widths: clean, accessible, and a screenshot for a person to look at."""
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(100)
        screenshot(page, f"admin-{name}-{viewport['width']}")
        # Nothing sticks out sideways: the page itself never scrolls horizontally (wide tables scroll in their box).
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} is {overflow}px too wide at {viewport['width']}px"
    page.set_viewport_size(DESKTOP)
    assert_accessible(page, name)
    assert_clean(page, expected_statuses)


RAW_CODES = re.compile(r"\b(pending|confirmed|preparing|shipping|delivered|cancelled|refunded|refund_pending|scheduled|active|ended|queued|running|completed|dead)\b")


def test_dashboard_shows_the_days_figures_from_the_stats_api(browser, shop):
    page = admin_page(browser, shop)
    admin_calls = []
    page.on("request", lambda request: "/api/v1/admin/" in request.url and admin_calls.append(request.url.split("/api/v1", 1)[1]))
    goto(page, "#/", "#stat-orders-today b")
    assert page.locator("#admin-nav").is_visible()
    # The stats endpoint and its stream draw the whole dashboard (no paging through orders and products).
    page.wait_for_timeout(300)
    assert admin_calls[0] == "/admin/stats" and set(admin_calls) == {"/admin/stats", "/admin/stats/stream"}, admin_calls
    admin = requests.Session()
    admin.post(shop.url("/api/v1/auth/login"), json=ADMIN)
    stats = admin.get(shop.url("/api/v1/admin/stats")).json()
    assert page.text_content("#stat-orders-today b") == str(stats["today"]["orders"])
    assert page.text_content("#stat-waiting b") == str(sum(entry["count"] for entry in stats["waitingOrders"]))
    assert page.text_content("#stat-dead-jobs b") == str(stats["deadJobs"])
    for entry in stats["waitingOrders"]:
        assert page.text_content(f"#waiting-{entry['status']}") == str(entry["count"])
    # The seeded shop has a running and an upcoming sale, both listed with their remaining units.
    assert stats["activeSales"] and stats["nextSales"]
    for sale in stats["activeSales"] + stats["nextSales"]:
        assert page.text_content(f"#dash-sale-{sale['id']} .remaining") == str(sale["remaining"])
    # Chips read as words, never as status codes.
    chips = page.eval_on_selector_all("#dashboard .badge", "chips => chips.map(c => c.textContent)")
    assert chips and not [chip for chip in chips if RAW_CODES.fullmatch(chip)], chips
    assert "Chờ xác nhận" in chips and "Đang diễn ra" in chips and "Sắp diễn ra" in chips
    look(page, "dashboard")

    # A shopper orders while the dashboard is open: today's count and the pending orders move without a reload.
    orders_today, pending = int(page.text_content("#stat-orders-today b")), int(page.text_content("#waiting-pending"))
    shopper = Shopper(shop)
    macaron = requests.get(shop.url("/api/v1/products/macaron-hop-12")).json()
    assert shopper.send("POST", "/api/v1/cart/items", {"productId": macaron["id"], "quantity": 1}).status_code == 200
    placed = shopper.send("POST", "/api/v1/orders", {"address": ADDRESS, "paymentMethod": "cod"}, **{"Idempotency-Key": uuid.uuid4().hex})
    assert placed.status_code == 201, placed.text
    page.wait_for_selector(f"#stat-orders-today b:text-is('{orders_today + 1}')", timeout=10_000)
    page.wait_for_selector(f"#waiting-pending:text-is('{pending + 1}')", timeout=10_000)
    assert_clean(page)
    page.context.close()


def test_admin_creates_a_category_and_a_product_with_a_picture_that_the_storefront_shows(browser, shop, tmp_path):
    page = admin_page(browser, shop, allowed_statuses=(400,))
    suffix = uuid.uuid4().hex[:6]
    goto(page, "#/categories", "#category-form")
    page.fill("#category-form [name=name]", f"Bánh Tết {suffix}")
    page.fill("#category-form [name=sortOrder]", "7")
    page.fill("#category-form [name=description]", "Bánh cho ngày Tết.")
    page.fill("#category-form [name=descriptionEn]", "Bakes for Lunar New Year.")
    page.click("#category-form button[type=submit]")
    page.wait_for_selector(f"td:text-is('Bánh Tết {suffix}')")
    look(page, "categories")

    goto(page, "#/products/new", "#product-form")
    page.fill("#product-form [name=name]", f"Bánh chưng {suffix}")
    page.fill("#product-form [name=price]", "-5")
    page.click("#product-form button[type=submit]")
    # The API's field error is shown next to its field, and the field is marked invalid.
    page.wait_for_selector("#error-price:not(:empty)")
    assert page.get_attribute("#product-form [name=price]", "aria-invalid") == "true"
    # The console is in Vietnamese: the summary says what went wrong in Vietnamese, and the API's English detail
    # (next to the field and after the summary) is marked as English.
    expect(page.locator("#product-form .form-error")).to_contain_text("Vui lòng kiểm tra lại thông tin.")
    assert page.get_attribute("#error-price > span", "lang") == "en"
    assert page.locator("#product-form .form-error span[lang=en]").count() == 1
    look(page, "product-field-error", expected_statuses=(400,))
    page.fill("#product-form [name=price]", "85000")
    page.fill("#product-form [name=stock]", "12")
    page.fill("#product-form [name=ingredients]", "Gạo nếp, đậu xanh, thịt heo")
    page.fill("#product-form [name=ingredientsEn]", "Glutinous rice, mung bean, pork")
    page.select_option("#product-form [name=categoryId]", label=f"Bánh Tết {suffix}")
    page.click("#product-form button[type=submit]")
    page.wait_for_url(re.compile(r"#/products/[0-9a-f-]{36}$"))
    page.wait_for_selector("#upload-form")
    picture = tmp_path / "banh-chung.png"
    picture.write_bytes(png())
    page.set_input_files("#upload-form input[type=file]", str(picture))
    assert page.is_visible("#upload-preview")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#pictures .thumbs img")
    look(page, "product-edit", expected_statuses=(400,))
    product_id = page.url.rsplit("/", 1)[1]
    page.context.close()

    product = requests.get(shop.url(f"/api/v1/products/{product_id}")).json()
    assert product["category"]["name"] == f"Bánh Tết {suffix}" and len(product["images"]) == 1
    assert (product["ingredients"], product["ingredientsEn"]) == ("Gạo nếp, đậu xanh, thịt heo", "Glutinous rice, mung bean, pork")
    category = next(c for c in requests.get(shop.url("/api/v1/categories")).json()["items"] if c["id"] == product["category"]["id"])
    assert (category["description"], category["descriptionEn"]) == ("Bánh cho ngày Tết.", "Bakes for Lunar New Year.")
    storefront = watched(open_page(browser, shop.base_url, allowed_statuses=(401,)))  # a guest: /auth/me says 401
    storefront.goto(f"/product.html#{product['slug']}")
    storefront.wait_for_selector(f"text=Bánh chưng {suffix}")
    assert storefront.locator(f"img[src='{product['images'][0]}']").count() >= 1
    assert_clean(storefront, expected_statuses=(401,))
    storefront.context.close()


def test_admin_creates_a_flash_sale_and_watches_the_counter_move_while_a_shopper_reserves(browser, shop):
    croissant = requests.get(shop.url("/api/v1/products/croissant-bo-phap")).json()
    page = admin_page(browser, shop)
    goto(page, "#/sales/new", "#sale-form")
    page.fill("#sale-form [name=name]", "Giờ vàng chiều")
    page.select_option("#sale-form [name='items[0].productId']", croissant["id"])
    page.fill("#sale-form [name='items[0].salePrice']", str(croissant["price"] // 2))
    page.fill("#sale-form [name='items[0].quantity']", str(croissant["stock"] + 1))
    page.fill("#sale-form [name='items[0].perUserLimit']", "2")
    page.click("#sale-form button[type=submit]")
    # More units than the stock: refused next to the quantity, before the API is asked.
    page.wait_for_selector("#error-items-0-quantity:not(:empty)")
    assert_accessible(page, "sale-editor")
    screenshot(page, "admin-sale-editor-1280")
    page.fill("#sale-form [name='items[0].quantity']", "5")
    # Starts in 4 s by the browser's clock (datetime-local is local time, so the page computes it), set just before
    # the preview is read and the form sent, so a slow first submit above cannot let the start pass.
    page.evaluate("""() => {
        const pad = (n) => String(n).padStart(2, "0");
        const local = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
        const start = new Date(Date.now() + 4000);
        document.querySelector("#sale-form [name=startsAt]").value = local(start);
        document.querySelector("#sale-form [name=endsAt]").value = local(new Date(start.getTime() + 3600_000));
    }""")
    # The preview counts down to that start on its next tick (the default start is an hour away).
    expect(page.locator("#countdown-preview")).to_have_text(re.compile(r"^Bắt đầu sau 0:00:0[0-4]$"), timeout=3_000)
    page.click("#sale-form button[type=submit]")
    page.wait_for_selector("#live-table")
    sale_id = page.url.rsplit("/", 1)[1]
    row = f"#live-{croissant['id']}"
    assert page.text_content(f"{row} .remaining") == "5"

    page.wait_for_selector("#sale-status .badge[data-status=active]", timeout=15_000)
    assert page.text_content("#sale-status .badge") == "Đang diễn ra"
    shopper = Shopper(shop)
    for _ in range(30):  # the server's scheduler may open the sale a moment after the page's clock
        reserved = shopper.send("POST", f"/api/v1/flash-sales/{sale_id}/reserve", {"productId": croissant["id"], "quantity": 2})
        if reserved.status_code != 409 or reserved.json()["error"]["code"] != "not_active":
            break
        page.wait_for_timeout(200)
    assert reserved.status_code == 201, reserved.text
    page.wait_for_selector(f"{row} .remaining:text-is('3')", timeout=10_000)
    assert page.text_content(f"{row} .held") == "2"
    assert page.text_content(f"{row} .taken") == "2"
    assert page.text_content("#sale-rate") == "2"
    look(page, "flash-sale-live")
    page.context.close()


def test_admin_moves_an_order_through_its_statuses_and_the_shopper_sees_the_timeline(browser, shop):
    shopper = Shopper(shop)
    macaron = requests.get(shop.url("/api/v1/products/macaron-hop-12")).json()
    assert shopper.send("POST", "/api/v1/cart/items", {"productId": macaron["id"], "quantity": 1}).status_code == 200
    placed = shopper.send("POST", "/api/v1/orders", {"address": ADDRESS, "paymentMethod": "cod"}, **{"Idempotency-Key": uuid.uuid4().hex})
    assert placed.status_code == 201, placed.text
    order = placed.json()

    mine = shopper_page(browser, shop, shopper, f"/orders.html#{order['id']}")
    mine.wait_for_selector("#timeline li")

    page = admin_page(browser, shop)
    goto(page, "#/orders", "table tbody tr")
    page.fill("input[name=q]", order["code"])
    page.click("form[role=search] button[type=submit]")
    page.click(f"a:text-is('{order['code']}')")
    page.wait_for_selector("#status-actions")
    # The customer's account (not an id): the recipient on the address may be someone else.
    assert page.text_content("#order-customer") == f"Lan <{shopper.email}>"
    offers = {"confirmed": ["confirmed", "cancelled"], "preparing": ["preparing", "cancelled"], "shipping": ["shipping", "cancelled"], "delivered": ["delivered"]}
    notes = {"confirmed": "Đã gọi chị Lan", "preparing": "", "shipping": "Anh Tư giao", "delivered": "Khách đã nhận đủ"}
    for step, (status, offered) in enumerate(offers.items(), start=2):
        # Only the transitions the API allows are offered.
        assert page.eval_on_selector_all("#status-actions button", "buttons => buttons.map(b => b.dataset.status)") == offered
        page.fill("input[name=note]", notes[status])
        page.click(f"#status-actions button[data-status={status}]")
        page.wait_for_selector(f"#order-timeline li:nth-child({step})")
    # Each step reads as a sentence in the admin's language, with the shop's note quoted after it; no status codes.
    steps = page.eval_on_selector_all("#order-timeline li", "items => items.map(li => li.innerText)")
    assert "Tiệm đã xác nhận đơn hàng." in steps[1] and "Ghi chú của tiệm: Đã gọi chị Lan" in steps[1]
    assert "Tiệm đang làm bánh cho đơn này." in steps[2] and "Ghi chú" not in steps[2]
    assert not [step for step in steps if RAW_CODES.search(step)], steps
    assert page.eval_on_selector_all("#status-actions button", "buttons => buttons.map(b => b.dataset.status)") == ["refunded"]
    look(page, "order-detail")
    page.context.close()

    # The shopper's order page, open all along, shows the whole timeline (it refreshes on each notification).
    mine.wait_for_selector("#timeline li:nth-child(5)", timeout=10_000)
    delivered = mine.text_content("#timeline li:nth-child(5)")
    assert "Đã giao" in delivered and "Đơn hàng đã giao đến người nhận." in delivered and "Khách đã nhận đủ" in delivered
    mine.set_viewport_size(PHONE)
    screenshot(mine, "admin-shopper-timeline-360")
    assert_clean(mine)
    mine.context.close()
    history = shopper.send("GET", f"/api/v1/orders/{order['id']}").json()["history"]
    assert [step["status"] for step in history] == ["pending", "confirmed", "preparing", "shipping", "delivered"]


def insert_dead_broadcast(shop: Server) -> int:
    """A broadcast job that used up its attempts (as after a long outage), written straight into the queue."""
    now = int(datetime.now(timezone.utc).timestamp() * 1000)  # the job table's dates: milliseconds since 1970
    broadcast = str(uuid.uuid4())
    payload = json.dumps({"broadcastID": broadcast, "draft": {"type": "broadcast", "title": "Hôm qua", "body": "Tin cũ", "data": {}}})
    with sqlite3.connect(shop.data_dir / "klelite.sqlite", timeout=10) as db:
        cursor = db.execute(
            "INSERT INTO job (queue, kind, payload, idempotencyKey, priority, status, attempts, maxAttempts, runAt, lastError, createdAt, updatedAt)"
            " VALUES ('notifications', 'notifications.broadcast', ?, ?, 0, 'dead', 5, 5, ?, 'database is locked', ?, ?)",
            (payload, broadcast, now, now, now),
        )
        return cursor.lastrowid


def test_admin_retries_a_dead_job(browser, shop):
    job_id = insert_dead_broadcast(shop)
    page = admin_page(browser, shop)
    goto(page, "#/jobs", f"button[data-job='{job_id}']")
    assert page.text_content("#count-notifications-dead") != "0"
    assert "database is locked" in page.text_content("table:has(button[data-job]) tbody")
    page.click(f"button[data-job='{job_id}']")
    page.wait_for_selector(f"button[data-job='{job_id}']", state="detached")
    assert_accessible(page, "jobs")
    assert_clean(page)
    page.context.close()
    admin = requests.Session()
    admin.post(shop.url("/api/v1/auth/login"), json=ADMIN)

    def status():
        jobs = admin.get(shop.url("/api/v1/admin/jobs?queue=notifications&limit=100")).json()["items"]
        return next(job for job in jobs if job["id"] == job_id)["status"]

    eventually(lambda: status() == "completed", f"the retried job {job_id} completed")


def test_admin_broadcasts_and_a_signed_in_shopper_receives_it_as_a_toast(browser, shop):
    shopper = Shopper(shop)
    home = shopper_page(browser, shop, shopper, "/")
    home.wait_for_selector("#toasts", state="attached")
    page = admin_page(browser, shop, allowed_statuses=(400,))
    goto(page, "#/broadcast", "#broadcast-form")
    page.click("#broadcast-form button[type=submit]")
    page.wait_for_selector("#error-title:not(:empty)")  # the API's field error next to the empty title
    page.fill("#broadcast-form [name=title]", "Bánh mới ra lò")
    page.fill("#broadcast-form [name=body]", "Mời cả nhà ghé tiệm chiều nay.")
    page.click("#broadcast-form button[type=submit]")
    page.wait_for_selector("#broadcast-progress .badge.ok", timeout=15_000)
    delivered, recipients = page.text_content("#broadcast-delivered").split("/")
    assert delivered == recipients and int(recipients) >= 2
    assert_accessible(page, "broadcast")
    assert_clean(page, expected_statuses=(400,))
    page.context.close()
    home.wait_for_selector("#toasts .toast:has-text('Bánh mới ra lò')", timeout=10_000)
    assert_clean(home)
    home.context.close()


def test_other_screens_render_cleanly(browser, shop):
    shopper = Shopper(shop)
    page = admin_page(browser, shop)
    for route, ready, name in [
        ("#/products", "table tbody tr td a", "products"),
        ("#/sales", "table tbody tr", "sales"),
        ("#/vouchers", "#voucher-form", "vouchers"),
        ("#/users", "table tbody tr td", "users"),
        (f"#/users/{shopper.id}?email={shopper.email}", "#loyalty-summary .stat", "loyalty"),
    ]:
        goto(page, route, ready)
        assert_accessible(page, name)
    page.fill("#adjust-form [name=points]", "150")
    page.fill("#adjust-form [name=reason]", "Bánh giao trễ")
    page.click("#adjust-form button[type=submit]")
    page.wait_for_selector("td:text-is('Bánh giao trễ')")
    assert page.text_content("#loyalty-summary .stat b") == "150"
    assert_clean(page)
    page.context.close()


def test_admin_edits_a_vouchers_terms_in_the_create_form_with_field_errors(browser, shop):
    code = f"EDIT-{uuid.uuid4().hex[:6].upper()}"
    page = admin_page(browser, shop, allowed_statuses=(400,))
    goto(page, "#/vouchers", "#voucher-form")
    page.fill("#voucher-form [name=code]", code)
    page.fill("#voucher-form [name=value]", "10")
    page.click("#voucher-form button[type=submit]")
    page.click(f"button[data-edit='{code}']")
    assert page.input_value("#voucher-form [name=value]") == "10"
    page.fill("#voucher-form [name=value]", "0")
    page.click("#voucher-form button[type=submit]")
    page.wait_for_selector("#error-value:not(:empty)")  # the API's field error next to the value
    page.fill("#voucher-form [name=value]", "15")
    page.fill("#voucher-form [name=usageLimit]", "40")
    page.click("#voucher-form button[type=submit]")
    row = page.locator("tr", has=page.locator(f"td:text-is('{code}')"))
    row.locator("td:text-is('15%')").wait_for()
    assert "0 / 40" in row.inner_text()
    assert_accessible(page, "voucher-edit")
    assert_clean(page, expected_statuses=(400,))
    page.context.close()


def test_lists_sort_through_the_api_across_every_page(browser, shop):
    admin = requests.Session()
    admin.post(shop.url("/api/v1/auth/login"), json=ADMIN)
    page = admin_page(browser, shop)
    for route, column, key, cell in [
        ("#/orders", "total", lambda o: o["code"], "td:first-child a"),
        ("#/users", "email", lambda u: u["email"], "td:first-child"),
        ("#/jobs?status=", "kind", lambda j: str(j["id"]), "td:first-child"),
        ("#/products", "stock", lambda p: p["name"], "td:nth-child(2) a"),
    ]:
        goto(page, route, f"th button[data-sort={column}]")
        api_path = {"#/orders": "/admin/orders", "#/users": "/admin/users", "#/jobs?status=": "/admin/jobs", "#/products": "/products"}[route]
        for sort in (column, f"-{column}"):
            with page.expect_response(lambda response: f"{api_path}?" in response.url and f"sort={sort}&" in response.url + "&") as answer:
                page.click(f"th button[data-sort={column}]")
            assert answer.value.status == 200
            page.wait_for_selector(f"th[aria-sort={'descending' if sort.startswith('-') else 'ascending'}] button[data-sort={column}]")
            extra = "&includeInactive=true" if api_path == "/products" else ""
            expected = [key(item) for item in admin.get(shop.url(f"/api/v1{api_path}?sort={sort}&page=1&limit=20{extra}")).json()["items"]]
            shown = page.eval_on_selector_all(f"table:has(th button[data-sort={column}]) tbody tr {cell}", "cells => cells.map(c => c.textContent)")
            assert shown == expected, (route, sort)
    # A column the API cannot sort by has no sort button: sorting only the page shown would mislead.
    assert page.locator("th:has-text('Danh mục') button").count() == 0
    assert_clean(page)
    page.context.close()


def admin_operations() -> list[tuple[str, str]]:
    """Every operation `openapi.yaml` tags `admin`, as (METHOD, path with placeholders filled)."""
    operations, path, method = [], None, None
    for line in SPEC.read_text().splitlines():
        if re.match(r"^  /", line):
            path = line.strip().rstrip(":")
        elif re.match(r"^    (get|post|patch|put|delete):", line):
            method = line.strip().rstrip(":").upper()
        elif line.strip() == "tags: [admin]" and path and method:
            operations.append((method, re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)))
    return operations


def test_a_customer_gets_403_from_every_admin_api(shop):
    operations = admin_operations()
    assert len(operations) >= 27
    shopper = Shopper(shop)
    refused = {f"{method} {path}": shopper.send(method, path, {}).status_code for method, path in operations}
    assert set(refused.values()) == {403}, {op: status for op, status in refused.items() if status != 403}


@pytest.mark.parametrize("signed_in", [True, False], ids=["customer", "signed-out"])
def test_admin_pages_show_no_admin_data_without_an_admin_session(browser, shop, signed_in):
    page = watched(open_page(browser, shop.base_url, allowed_statuses=(401,)))
    if signed_in:
        email = f"curious-{uuid.uuid4().hex[:6]}@example.vn"
        assert page.request.post(shop.url("/api/v1/auth/register"), data={"email": email, "password": "banhmi2024", "name": "Tò mò"}).status == 201
    admin_calls = []
    page.on("request", lambda request: "/api/v1/admin/" in request.url and admin_calls.append(request.url))
    for route in ["", "#/orders", "#/users", "#/jobs", "#/sales/new", "#/products"]:
        page.goto(f"/admin/{route}")
        page.wait_for_url(re.compile(r"/account\.html"), timeout=10_000)
    assert admin_calls == []
    assert_clean(page, expected_statuses=(401,))
    page.context.close()


VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE)
# The console's own words (headings, navigation, column heads, field labels, buttons), not the shop's data.
CONSOLE_WORDS = "h1, h2, nav a, th[scope=col], caption, label.field > span:first-child, button, .skip"


def console_words(page) -> list[str]:
    return page.eval_on_selector_all(CONSOLE_WORDS, "nodes => nodes.map(n => n.textContent.trim()).filter(Boolean)")


def test_the_console_switches_to_english_and_remembers_it(browser, shop):
    # Page loads happen off the dashboard: each dashboard load opens live streams, and the server caps one client's
    # open streams (every test here shares 127.0.0.1), so the dashboard is drawn once, by the console's own link.
    page = admin_page(browser, shop)
    goto(page, "#/orders", "h1:text-is('Đơn hàng')")
    assert page.get_attribute("html", "lang") == "vi"
    assert "Tổng quan" in console_words(page)
    with page.expect_navigation():
        page.click("#admin-lang")
    page.wait_for_selector("h1:text-is('Orders')")
    assert page.get_attribute("html", "lang") == "en"
    assert page.text_content("#admin-lang") == "Tiếng Việt"
    screens = [("#/products", "Products"), ("#/vouchers", "Vouchers"), ("#/jobs", "Background jobs"),
               ("#/sales/new", "New flash sale"), ("#/broadcast", "Notify customers"), ("#/", "Dashboard")]
    for route, title in screens:
        page.evaluate("route => { location.hash = route; }", route)
        page.wait_for_selector(f"h1:text-is('{title}')", timeout=10_000)
        page.wait_for_timeout(300)
        words = console_words(page)
        vietnamese = [word for word in words if VIETNAMESE.search(word) and word != "Tiếng Việt"]
        assert not vietnamese, f"{route} still reads Vietnamese: {vietnamese}"
        assert_accessible(page, f"english {route}")
    page.wait_for_selector("#stat-orders-today")
    screenshot(page, "admin-dashboard-en-1280")
    page.evaluate("() => { location.hash = '#/orders'; }")
    page.wait_for_selector("h1:text-is('Orders')")
    page.reload()  # the choice is remembered across loads, not carried by the page
    page.wait_for_selector("h1:text-is('Orders')")
    assert page.get_attribute("html", "lang") == "en"
    assert "Dashboard" in console_words(page)
    assert_clean(page)
    with page.expect_navigation():
        page.click("#admin-lang")
    page.wait_for_selector("h1:text-is('Đơn hàng')")
    assert page.get_attribute("html", "lang") == "vi"
    page.context.close()
