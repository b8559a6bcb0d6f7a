"""The demo catalogue through the real binary: seed, list, search, detail, conditional GET, admin upload."""
import requests

from conftest import Server, run_cli


def test_seeded_catalogue_lists_searches_and_details(data_dir):
    seeded = run_cli("seed-demo", data_dir=data_dir)
    assert seeded.returncode == 0, seeded.stderr
    server = Server(data_dir).start()
    try:
        categories = requests.get(server.url("/api/v1/categories")).json()["items"]
        assert len(categories) == 6 and sum(c["productCount"] for c in categories) == 20

        page = requests.get(server.url("/api/v1/products"), params={"limit": 5, "sort": "-price"}).json()
        assert page["total"] == 20 and len(page["items"]) == 5
        prices = [item["price"] for item in page["items"]]
        assert prices == sorted(prices, reverse=True)

        found = requests.get(server.url("/api/v1/products"), params={"q": "banh kem dau"}).json()["items"]
        assert found[0]["slug"] == "banh-kem-dau-tay"
        accented = requests.get(server.url("/api/v1/products"), params={"q": "Bánh kem dâu"}).json()["items"]
        assert accented[0]["slug"] == "banh-kem-dau-tay"

        detail = requests.get(server.url("/api/v1/products/banh-kem-dau-tay"))
        assert detail.status_code == 200 and detail.json()["name"] == "Bánh kem dâu tây"
        again = requests.get(server.url("/api/v1/products/banh-kem-dau-tay"), headers={"If-None-Match": detail.headers["ETag"]})
        assert again.status_code == 304

        image = requests.get(server.url(detail.json()["images"][0]))
        assert image.status_code == 200 and image.headers["Content-Type"].startswith("image/svg")
    finally:
        server.stop()


def test_admin_uploads_a_picture_that_is_then_served(data_dir):
    run_cli("seed-demo", data_dir=data_dir)
    run_cli("create-admin", "--email", "boss@klelite.vn", "--password", "bakery2024", data_dir=data_dir)
    server = Server(data_dir).start()
    try:
        admin = requests.Session()
        admin.post(server.url("/api/v1/auth/login"), json={"email": "boss@klelite.vn", "password": "bakery2024"})
        csrf = {"X-CSRF-Token": admin.cookies.get("klelite_csrf")}
        product = requests.get(server.url("/api/v1/products/kouign-amann")).json()
        png = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + b"\x00" * 1024
        uploaded = admin.post(server.url(f"/api/v1/products/{product['id']}/images"), data=png,
                              headers={**csrf, "Content-Type": "image/png"})
        assert uploaded.status_code == 201, uploaded.text
        path = uploaded.json()["images"][-1]
        assert (data_dir / "uploads" / path.rsplit("/", 1)[1]).exists()
        served = requests.get(server.url(path))
        assert served.status_code == 200 and served.content == png
        assert "max-age=31536000" in served.headers["Cache-Control"]
        listed = requests.get(server.url("/api/v1/products/kouign-amann")).json()
        assert path in listed["images"]

        fake = admin.post(server.url(f"/api/v1/products/{product['id']}/images"), data=b"GIF89a" + b"\x00" * 64,
                          headers={**csrf, "Content-Type": "image/png"})
        assert fake.status_code == 415 and fake.json()["error"]["code"] == "unsupported_media_type"
    finally:
        server.stop()


def test_storefront_pages_and_modules_are_served(server):
    home = requests.get(server.url("/"))
    assert 'id="products"' in home.text and "/js/home.js" in home.text
    detail = requests.get(server.url("/product.html"))
    assert detail.status_code == 200 and "/js/product.js" in detail.text
    sale_page = requests.get(server.url("/flash-sale.html"))
    assert sale_page.status_code == 200 and "/js/flash-sale.js" in sale_page.text
    for module in ["/js/home.js", "/js/product.js", "/js/format.js", "/js/api.js", "/js/flash-sale.js"]:
        response = requests.get(server.url(module))
        assert response.status_code == 200, module
        assert "javascript" in response.headers["Content-Type"]
