"""The demo as a visitor meets it after `make run` (issue 17), in a real Chromium on a freshly seeded shop: the home
page counts down to the upcoming sale; after `scripts/demo_rush.py` the running sale's page shows it sold out; the
demo admin signs in with the generated credentials and the dashboard shows today's figures, the same as the API's.
Then every demo page, storefront and admin, signed out, as a demo customer and as the admin: no console error,
no 404, no failed request, no serious or critical axe-core violation. The tests run in order on one shop (the upcoming sale opens two minutes after seeding)."""
import re
import subprocess
import sys
import time

import pytest
import requests

from browser import DESKTOP, assert_accessible, open_page, screenshot
from conftest import ROOT, Server, base_env, run_cli
from test_demo import credentials

STOREFRONT = ["/", "/cart.html", "/checkout.html", "/account.html", "/orders.html", "/notifications.html", "/reset-password.html"]
ADMIN_SCREENS = ["#/", "#/products", "#/categories", "#/sales", "#/orders", "#/vouchers", "#/users", "#/jobs", "#/broadcast"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo-browser") / "data"
    # The walk opens a live stream (notifications, sale stock) on page after page from one address, faster than a
    # person would, at the default cap of 16 streams per address: a closed stream frees its slot at once.
    env = base_env(PAYMENT_PROVIDER="simulated")
    seeded = run_cli("seed-demo", "--only-if-empty", data_dir=data_dir, env=env)  # what `make run` runs
    assert seeded.returncode == 0, seeded.stderr
    server = Server(data_dir, env=env).start()
    sales = {sale["status"]: sale for sale in requests.get(server.url("/api/v1/flash-sales"), timeout=10).json()["items"]}
    yield server, credentials(data_dir), sales
    server.stop()


def settle(page, timeout=15.0):
    """Waits until the page has loaded and none of its requests (event streams aside) has been in flight for 0.3 s."""
    page.wait_for_load_state("load")
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        if page.in_flight:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= 0.3:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{page.url}: requests still in flight after {timeout}s: {sorted(page.in_flight)}")


def watch(page):
    """Counts the page's in-flight requests (for `settle`) and records every 404, whatever the test allows."""
    page.in_flight = set()
    page.not_found = []

    def started(request):
        if request.headers.get("accept") != "text/event-stream":
            page.in_flight.add(id(request))

    page.on("request", started)
    page.on("requestfinished", lambda request: page.in_flight.discard(id(request)))
    page.on("requestfailed", lambda request: page.in_flight.discard(id(request)))
    page.on("response", lambda response: response.status == 404 and page.not_found.append(response.url))
    return page


def assert_clean(page, allowed=()):
    """No 404, no failed request, and no console error but Chromium's line for an allowed status (a signed-out
    visitor's 401 from /auth/me is how a page learns nobody is signed in)."""
    errors = [text for text in page.problems.console_errors if not any(f"status of {status} " in text for status in allowed)]
    assert not page.not_found, f"{page.url}: 404 for {page.not_found}"
    assert not errors, f"{page.url}: console errors {errors}; failed requests {page.problems.failed_requests}"
    assert not page.problems.failed_requests, f"{page.url}: failed requests {page.problems.failed_requests}"


def test_the_home_page_counts_down_to_the_upcoming_sale(browser, demo):
    server, _, sales = demo
    upcoming = sales["scheduled"]
    page = watch(open_page(browser, server.base_url))
    page.goto("/")
    banner = page.locator(f".sale-banner[href='/flash-sale.html#{upcoming['slug']}']")
    banner.wait_for(timeout=10_000)
    assert upcoming["name"] in banner.inner_text()
    first = banner.locator(".countdown").inner_text()
    assert re.search(r"Sắp bắt đầu · sau .*\d", first), first
    page.wait_for_function(
        "([selector, before]) => document.querySelector(selector).textContent !== before",
        arg=[f".sale-banner[href='/flash-sale.html#{upcoming['slug']}'] .countdown", first], timeout=5_000,
    )  # it ticks
    settle(page)
    assert_clean(page)
    screenshot(page, "demo-home")
    page.context.close()


def test_after_the_demo_rush_the_sale_page_shows_it_sold_out(browser, demo):
    server, _, sales = demo
    running = sales["active"]
    rush = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo_rush.py"), "--url", server.base_url, "--data-dir", str(server.data_dir), "--spread", "0"],
        capture_output=True, text=True, timeout=120,
    )
    assert rush.returncode == 0 and "Sold out." in rush.stdout, rush.stdout + rush.stderr
    page = watch(open_page(browser, server.base_url))
    page.goto(f"/flash-sale.html#{running['slug']}")
    page.wait_for_selector("#items article", timeout=10_000)
    cards = page.locator("#items article")
    assert cards.count() == len(running["items"])
    for index in range(cards.count()):
        card = cards.nth(index)
        assert card.get_by_role("progressbar").get_attribute("aria-valuenow") == "0"
        button = card.locator("button")
        assert button.inner_text() == "Hết hàng" and button.is_disabled()
    settle(page)
    assert_clean(page)
    screenshot(page, "demo-sold-out")
    page.context.close()


def test_the_demo_admin_signs_in_and_sees_todays_figures(browser, demo):
    server, demo_credentials, _ = demo
    page = watch(open_page(browser, server.base_url, allowed_statuses=(401,)))
    page.goto("/admin/")
    page.wait_for_url("**/account.html?next=/admin/", timeout=10_000)
    page.fill("#login-form [name=email]", demo_credentials["ADMIN_EMAIL"])
    page.fill("#login-form [name=password]", demo_credentials["ADMIN_PASSWORD"])
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/admin/**", timeout=10_000)
    page.wait_for_selector("#stat-orders-today b", timeout=10_000)
    stats = page.context.request.get("/api/v1/admin/stats")
    assert stats.status == 200, stats.text()
    today = stats.json()["today"]
    assert today["orders"] > 0 and today["revenue"] > 0, today  # the rush and the demo's history placed orders today
    assert page.inner_text("#stat-orders-today b") == str(today["orders"])
    assert re.sub(r"\D", "", page.inner_text("#stat-revenue-today b")) == str(today["revenue"])
    settle(page)
    assert_clean(page, allowed=(401,))  # the sign-in page asked /auth/me before anyone was signed in
    screenshot(page, "demo-dashboard")
    page.context.close()


def walk(page, paths, allowed=()):
    for path in paths:
        page.goto(path)
        settle(page)
        assert_clean(page, allowed)
        assert_accessible(page, path)


def demo_pages(server, sales) -> list[str]:
    product = requests.get(server.url("/api/v1/products"), params={"limit": 1}, timeout=10).json()["items"][0]
    return STOREFRONT + [f"/product.html#{product['slug']}"] + [f"/flash-sale.html#{sale['slug']}" for sale in sales.values()]


def test_every_demo_page_is_clean_signed_out(browser, demo):
    server, _, sales = demo
    page = watch(open_page(browser, server.base_url, allowed_statuses=(401,)))
    walk(page, demo_pages(server, sales) + ["/pay.html"], allowed=(401,))
    page.context.close()


def test_every_demo_page_is_clean_for_a_demo_customer(browser, demo):
    server, demo_credentials, sales = demo
    page = watch(open_page(browser, server.base_url))
    email = demo_credentials["CUSTOMER_EMAILS"].split(",")[0]
    signed_in = page.context.request.post("/api/v1/auth/login", data={"email": email, "password": demo_credentials["CUSTOMER_PASSWORD"]})
    assert signed_in.status == 200, signed_in.text()
    orders = page.context.request.get("/api/v1/orders?limit=100").json()["items"]
    assert orders, "a demo customer has past orders"
    walk(page, demo_pages(server, sales) + [f"/orders.html#{orders[0]['id']}"])
    page.context.close()


def test_every_admin_screen_is_clean(browser, demo):
    server, demo_credentials, _ = demo
    page = watch(open_page(browser, server.base_url))
    signed_in = page.context.request.post("/api/v1/auth/login", data={"email": demo_credentials["ADMIN_EMAIL"], "password": demo_credentials["ADMIN_PASSWORD"]})
    assert signed_in.status == 200, signed_in.text()
    page.goto("/admin/")
    for screen in ADMIN_SCREENS:
        page.goto(f"/admin/{screen}")
        page.wait_for_selector("#view > *", timeout=10_000)
        settle(page)
        assert_clean(page)
        assert_accessible(page, f"/admin/{screen}")
    page.context.close()
