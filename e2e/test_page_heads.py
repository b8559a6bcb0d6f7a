"""Every page the shop serves, storefront and admin, carries the same <head>: title, description, theme colour,
the three icons, Open Graph and Twitter card tags, and `noindex` on the private pages (issue 17). The pages are
found by listing static/, so a new page without its head tags fails here."""
from html.parser import HTMLParser

import pytest
import requests

from conftest import ROOT

STATIC = ROOT / "static"
# Pages that show one shopper's data or the admin console: never in a search index. Every other page is public.
PRIVATE = {"account.html", "cart.html", "checkout.html", "orders.html", "notifications.html", "pay.html",
           "reset-password.html", "admin/index.html"}
PAGES = sorted(str(path.relative_to(STATIC)) for path in STATIC.rglob("*.html"))


class Head(HTMLParser):
    """The <title>, <meta> and <link> tags of a document's <head>."""

    def __init__(self):
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict] = []
        self.title = ""
        self._in_head = self._in_title = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "head":
            self._in_head = True
        elif tag == "title" and self._in_head:
            self._in_title = True
        elif tag == "meta" and self._in_head:
            key = attributes.get("name") or attributes.get("property")
            if key:
                self.meta.setdefault(key, []).append(attributes.get("content") or "")
        elif tag == "link" and self._in_head:
            self.links.append(attributes)

    def handle_endtag(self, tag):
        if tag == "head":
            self._in_head = False
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def one(self, key: str) -> str:
        values = self.meta.get(key, [])
        assert len(values) == 1, f"{key}: {values}"
        return values[0].strip()


def url_of(page: str) -> str:
    return "/admin/" if page == "admin/index.html" else f"/{page}"


def test_the_page_list_covers_storefront_and_admin():
    assert "index.html" in PAGES and "admin/index.html" in PAGES and len(PAGES) >= 10, PAGES
    assert PRIVATE <= set(PAGES), PRIVATE - set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_its_head_tags(server, page):
    response = requests.get(server.url(url_of(page)), timeout=10)
    assert response.status_code == 200, page
    head = Head()
    head.feed(response.text)
    assert "KLeLite" in head.title, head.title
    description = head.one("description")
    assert 30 <= len(description) <= 200, description
    assert head.one("theme-color").lower() == "#c2185b"
    assert head.one("og:type") == "website"
    assert head.one("og:site_name") == "KLeLite"
    assert head.one("og:locale") == "vi_VN"
    assert head.one("og:title") == head.title.strip()
    assert head.one("og:description") == description
    assert head.one("twitter:card") in {"summary", "summary_large_image"}
    icons = {(link.get("rel"), link.get("href")) for link in head.links}
    assert ("icon", "/favicon.ico") in icons and ("icon", "/favicon.svg") in icons, icons
    assert ("apple-touch-icon", "/apple-touch-icon.png") in icons, icons
    robots = head.meta.get("robots", [])
    if page in PRIVATE:
        assert robots == ["noindex"], (page, robots)
    else:
        assert robots == [], f"{page} is public and must stay indexable: {robots}"

    # Everything the head points at is served, as an image.
    for path in ["/favicon.ico", "/favicon.svg", "/apple-touch-icon.png", head.one("og:image")]:
        asset = requests.get(server.url(path), timeout=10)
        assert asset.status_code == 200, path
        assert asset.headers["Content-Type"].startswith("image/"), (path, asset.headers["Content-Type"])
