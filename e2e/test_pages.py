"""Every storefront page loads in a real Chromium with no console error, no failed request, and no serious
or critical accessibility violation, at phone and desktop widths."""
import pytest

from browser import DESKTOP, PHONE, assert_accessible, assert_clean, open_page, screenshot
from conftest import Server, run_cli


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("pages") / "data"
    assert run_cli("seed-demo", data_dir=data_dir).returncode == 0
    running = Server(data_dir).start()
    yield running
    running.stop()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_home_page_renders_the_catalogue_cleanly(browser, shop, viewport):
    page = open_page(browser, shop.base_url, viewport=viewport)
    page.goto("/")
    page.wait_for_selector("#products article, #products .card, #products a", timeout=10_000)
    assert_clean(page)
    assert_accessible(page, "home")
    screenshot(page, f"home-{viewport['width']}")
    page.context.close()
