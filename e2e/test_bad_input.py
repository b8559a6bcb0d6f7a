"""Bad input against the real binary: nothing a client sends may end the process or answer 5xx."""
import requests

from conftest import Server, run_cli


def test_garbage_cookies_and_non_json_bodies_never_kill_the_shop(data_dir):
    run_cli("seed-demo", data_dir=data_dir)
    server = Server(data_dir).start()
    try:
        croissant = requests.get(server.url("/api/v1/products/croissant-bo-phap")).json()
        # A made-up guest cart used to reach a force unwrap and end the process.
        for garbage in ["x", "made-up-cart", "%00", "a" * 2000]:
            response = requests.post(
                server.url("/api/v1/cart/items"),
                json={"productId": croissant["id"], "quantity": 1},
                cookies={"klelite_cart": garbage, "klelite_access": garbage, "klelite_refresh": garbage, "klelite_csrf": garbage},
            )
            assert response.status_code == 200, response.text
            assert response.cookies.get("klelite_cart") not in (None, garbage)
        for path in ["/api/v1/cart", "/api/v1/auth/me", "/api/v1/notifications", "/api/v1/loyalty"]:
            response = requests.get(server.url(path), cookies={"klelite_access": "a.b.c", "klelite_cart": "x"})
            assert response.status_code < 500, (path, response.status_code)
        # A cross-site form post is not JSON: 415, not a sign-in.
        form = requests.post(server.url("/api/v1/auth/login"), data={"email": "a@b.vn", "password": "x"})
        assert form.status_code == 415 and form.json()["error"]["code"] == "unsupported_media_type"
        assert server.process.poll() is None, server.output()
        assert requests.get(server.url("/healthz")).status_code == 200
    finally:
        server.stop()
