"""Checkout through the real binary: guest cart → register (the cart follows) → a flash-sale reservation →
card order → payment through the simulated gateway → order confirmed, sale sold count +1, confirmation
email in the outbox, notification over SSE."""
from datetime import datetime, timedelta, timezone

import requests

from conftest import Server, base_env, run_cli
from test_accounts import wait_for_mail
from test_flash_sales import iso
from test_sse import EventReader


def test_checkout_with_a_flash_sale_reservation(data_dir):
    run_cli("seed-demo", data_dir=data_dir)
    run_cli("create-admin", "--email", "boss@klelite.vn", "--password", "bakery2024", data_dir=data_dir)
    server = Server(data_dir, env=base_env(PAYMENT_PROVIDER="simulated")).start()
    try:
        macaron = requests.get(server.url("/api/v1/products/macaron-hop-12")).json()
        croissant = requests.get(server.url("/api/v1/products/croissant-bo-phap")).json()
        admin = requests.Session()
        admin.post(server.url("/api/v1/auth/login"), json={"email": "boss@klelite.vn", "password": "bakery2024"})
        now = datetime.now(timezone.utc) - timedelta(seconds=5)
        sale = admin.post(server.url("/api/v1/admin/flash-sales"), headers={"X-CSRF-Token": admin.cookies.get("klelite_csrf")}, json={
            "name": "Giờ vàng", "startsAt": iso(now), "endsAt": iso(now + timedelta(hours=1)),
            "items": [{"productId": croissant["id"], "salePrice": 30000, "quantity": 5, "perUserLimit": 2}],
        }).json()

        shopper = requests.Session()
        assert shopper.post(server.url("/api/v1/cart/items"), json={"productId": macaron["id"], "quantity": 1}).status_code == 200
        assert "klelite_cart" in shopper.cookies
        shopper.post(server.url("/api/v1/auth/register"), json={"email": "lan@example.vn", "password": "banhmi2024", "name": "Lan"})
        csrf = {"X-CSRF-Token": shopper.cookies.get("klelite_csrf")}
        stream = shopper.get(server.url("/api/v1/notifications/stream"), stream=True, timeout=15)
        reader = EventReader(stream)
        reader.until(lambda text: "event: unread" in text)

        reserved = shopper.post(server.url(f"/api/v1/flash-sales/{sale['id']}/reserve"), json={"productId": croissant["id"], "quantity": 1}, headers=csrf)
        assert reserved.status_code == 201
        cart = shopper.get(server.url("/api/v1/cart")).json()
        assert [line["quantity"] for line in cart["lines"]] == [1] and len(cart["reservations"]) == 1
        assert cart["subtotal"] == macaron["price"] + 30000

        order = shopper.post(server.url("/api/v1/orders"), headers={**csrf, "Idempotency-Key": "e2e-1"}, json={
            "address": {"name": "Lan", "phone": "0901234567", "line": "12 Lý Thường Kiệt", "ward": "Phường 7", "district": "Quận 10", "city": "TP.HCM"},
            "paymentMethod": "card",
        })
        assert order.status_code == 201, order.text
        placed = order.json()
        shipping = 0 if macaron["price"] + 30000 >= 500000 else 30000
        assert placed["total"] == macaron["price"] + 30000 + shipping and placed["code"].startswith("KL-")
        stock = requests.get(server.url(f"/api/v1/flash-sales/{sale['id']}/stock")).json()["items"][0]
        assert stock["confirmed"] == 0 and stock["held"] == 1  # ordered, not yet paid

        url = shopper.post(server.url(f"/api/v1/payments/{placed['id']}/checkout"), headers=csrf).json()["url"]
        assert url.endswith(f"/pay.html#{placed['id']}")
        paid = shopper.post(server.url(f"/api/v1/payments/simulated/{placed['id']}"), json={"approve": True}, headers=csrf)
        assert paid.json() == {"outcome": "applied"}
        assert shopper.get(server.url(f"/api/v1/orders/{placed['id']}")).json()["status"] == "confirmed"
        stock = requests.get(server.url(f"/api/v1/flash-sales/{sale['id']}/stock")).json()["items"][0]
        assert stock["confirmed"] == 1 and stock["held"] == 0
        assert requests.get(server.url("/api/v1/products/macaron-hop-12")).json()["stock"] == macaron["stock"] - 1

        text = wait_for_mail(data_dir / "outbox", placed["code"])
        assert "To: lan@example.vn" in text
        live = reader.until(lambda text: "đã xác nhận" in text)
        assert "event: notification" in live and placed["code"] in live
        stream.close()
    finally:
        server.stop()


def test_card_payment_through_the_simulated_gateway_and_a_signed_webhook(data_dir):
    import hashlib
    import hmac
    import json
    import time

    run_cli("seed-demo", data_dir=data_dir)
    server = Server(data_dir, env=base_env(PAYMENT_PROVIDER="simulated")).start()
    try:
        shopper = requests.Session()
        shopper.post(server.url("/api/v1/auth/register"), json={"email": "lan@example.vn", "password": "banhmi2024", "name": "Lan"})
        csrf = {"X-CSRF-Token": shopper.cookies.get("klelite_csrf")}
        macaron = requests.get(server.url("/api/v1/products/macaron-hop-12")).json()
        address = {"name": "Lan", "phone": "0901234567", "line": "12 Lý Thường Kiệt", "ward": "Phường 7", "district": "Quận 10", "city": "TP.HCM"}

        def order(method):
            shopper.post(server.url("/api/v1/cart/items"), json={"productId": macaron["id"], "quantity": 1}, headers=csrf)
            placed = shopper.post(server.url("/api/v1/orders"), json={"address": address, "paymentMethod": method}, headers=csrf)
            assert placed.status_code == 201, placed.text
            return placed.json()

        first = order("card")
        url = shopper.post(server.url(f"/api/v1/payments/{first['id']}/checkout"), headers=csrf).json()["url"]
        assert url.endswith(f"/pay.html#{first['id']}")
        assert requests.get(server.url("/pay.html")).status_code == 200
        decided = shopper.post(server.url(f"/api/v1/payments/simulated/{first['id']}"), json={"approve": True}, headers=csrf)
        assert decided.json() == {"outcome": "applied"}
        assert shopper.get(server.url(f"/api/v1/orders/{first['id']}")).json()["status"] == "confirmed"

        # A provider's own webhook, signed with the secret the appliance generated into DATA_DIR/secrets.
        secret = dict(line.split("=", 1) for line in (data_dir / "secrets").read_text().splitlines())["PAYMENT_WEBHOOK_SECRET"]
        second = order("bank_transfer")

        def post(event, at):
            body = json.dumps(event, separators=(",", ":")).encode()
            mac = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
            return requests.post(server.url("/api/v1/payments/webhook"), data=body,
                                 headers={"Content-Type": "application/json", "Klelite-Signature": f"t={at},v1={mac}"})

        event = {"id": "evt_e2e", "type": "payment.succeeded", "orderId": second["id"], "amount": second["total"]}
        assert post(event, int(time.time()) - 600).status_code == 400  # too old
        assert post(event, int(time.time())).json() == {"outcome": "applied"}
        assert post(event, int(time.time())).json() == {"outcome": "duplicate"}
        forged = requests.post(server.url("/api/v1/payments/webhook"), json=event, headers={"Klelite-Signature": f"t={int(time.time())},v1=00"})
        assert forged.status_code == 400
        assert shopper.get(server.url(f"/api/v1/orders/{second['id']}")).json()["status"] == "confirmed"
    finally:
        server.stop()


def test_the_default_shop_takes_no_card_payments(data_dir):
    """PAYMENT_PROVIDER is none unless configured: card is a 400 at checkout, the simulated gateway is 404."""
    run_cli("seed-demo", data_dir=data_dir)
    server = Server(data_dir).start()
    try:
        shopper = requests.Session()
        shopper.post(server.url("/api/v1/auth/register"), json={"email": "lan@example.vn", "password": "banhmi2024", "name": "Lan"})
        csrf = {"X-CSRF-Token": shopper.cookies.get("klelite_csrf")}
        macaron = requests.get(server.url("/api/v1/products/macaron-hop-12")).json()
        address = {"name": "Lan", "phone": "0901234567", "line": "12 Lý Thường Kiệt", "ward": "Phường 7", "district": "Quận 10", "city": "TP.HCM"}
        shopper.post(server.url("/api/v1/cart/items"), json={"productId": macaron["id"], "quantity": 1}, headers=csrf)
        refused = shopper.post(server.url("/api/v1/orders"), json={"address": address, "paymentMethod": "card"}, headers=csrf)
        assert refused.status_code == 400 and refused.json()["error"]["fields"]["paymentMethod"] == "must be one of cod"
        placed = shopper.post(server.url("/api/v1/orders"), json={"address": address, "paymentMethod": "cod"}, headers=csrf).json()
        assert shopper.post(server.url(f"/api/v1/payments/simulated/{placed['id']}"), json={"approve": True}, headers=csrf).status_code == 404
        assert shopper.get(server.url(f"/api/v1/orders/{placed['id']}")).json()["status"] == "pending"
    finally:
        server.stop()
