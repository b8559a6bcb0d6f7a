"""Accounts across processes: the CLI creates an admin in a fresh folder, a real HTTP client signs in
with cookies, calls protected routes with the CSRF header, and a reset email lands in the outbox."""
import re
import subprocess
import time

import requests

from conftest import BIN, ROOT, Server, base_env, eventually, run_cli


def wait_for_mail(outbox, containing: str, timeout: float = 10.0) -> str:
    """The text of the first .eml in the outbox that contains `containing`; the queue sends in the background."""
    def found():
        texts = (path.read_text() for path in (outbox.glob("*.eml") if outbox.exists() else []))
        return next((text for text in texts if containing in text), None)

    return eventually(found, f"an email containing {containing!r} in {outbox}", timeout=timeout)


def csrf_headers(session: requests.Session) -> dict:
    return {"X-CSRF-Token": session.cookies.get("klelite_csrf")}


def test_create_admin_then_cookie_login_reaches_admin_routes(data_dir):
    created = run_cli("create-admin", "--email", "Boss@KLeLite.vn", "--password", "bakery2024", data_dir=data_dir)
    assert created.returncode == 0, created.stderr
    assert "Created administrator boss@klelite.vn" in created.stdout

    server = Server(data_dir).start()
    try:
        shopper = requests.Session()
        registered = shopper.post(server.url("/api/v1/auth/register"),
                                  json={"email": "lan@example.vn", "password": "banhmi2024", "name": "Lan"})
        assert registered.status_code == 201
        assert {"klelite_access", "klelite_refresh", "klelite_csrf"} <= set(shopper.cookies.keys())
        assert "passwordHash" not in registered.text
        assert shopper.get(server.url("/api/v1/admin/users")).status_code == 403

        admin = requests.Session()
        login = admin.post(server.url("/api/v1/auth/login"), json={"email": "boss@klelite.vn", "password": "bakery2024"})
        assert login.status_code == 200
        assert login.json()["user"]["role"] == "admin"
        raw_cookie = login.headers["Set-Cookie"]
        assert "HttpOnly" in raw_cookie and "SameSite=Lax" in raw_cookie

        users = admin.get(server.url("/api/v1/admin/users")).json()
        assert users["total"] == 2 and users["page"] == 1
        lan = next(user for user in users["items"] if user["email"] == "lan@example.vn")

        refused = admin.patch(server.url(f"/api/v1/admin/users/{lan['id']}"), json={"disabled": True})
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        disabled = admin.patch(server.url(f"/api/v1/admin/users/{lan['id']}"), json={"disabled": True},
                               headers=csrf_headers(admin))
        assert disabled.status_code == 200 and disabled.json()["disabled"] is True
        assert shopper.get(server.url("/api/v1/auth/me")).status_code == 401

        assert admin.post(server.url("/api/v1/auth/logout"), headers=csrf_headers(admin)).status_code == 204
        assert admin.get(server.url("/api/v1/auth/me")).status_code == 401
    finally:
        server.stop()


def test_create_admin_reads_the_password_from_stdin_and_rejects_weak_ones(data_dir):
    weak = subprocess.run([BIN, "create-admin", "--email", "a@klelite.vn", "--password-stdin", "--data-dir", str(data_dir)],
                          cwd=ROOT, env=base_env(), input="short\n", capture_output=True, text=True, timeout=60)
    assert weak.returncode != 0
    assert "password" in weak.stderr and "at least 8 characters" in weak.stderr
    ok = subprocess.run([BIN, "create-admin", "--email", "a@klelite.vn", "--password-stdin", "--data-dir", str(data_dir)],
                        cwd=ROOT, env=base_env(), input="croissant2024\n", capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    again = run_cli("create-admin", "--email", "A@klelite.vn", "--password", "eclair2024x", data_dir=data_dir)
    assert again.returncode == 0 and "now an administrator" in again.stdout


def test_password_reset_email_lands_in_the_outbox_and_the_link_works(data_dir):
    server = Server(data_dir, env=base_env(PUBLIC_URL="https://shop.example")).start()
    try:
        requests.post(server.url("/api/v1/auth/register"),
                      json={"email": "lan@example.vn", "password": "banhmi2024", "name": "Lan"})
        forgot = requests.post(server.url("/api/v1/auth/password/forgot"), json={"email": "lan@example.vn"})
        assert forgot.status_code == 202
        text = wait_for_mail(data_dir / "outbox", "#token=")
        assert "To: lan@example.vn" in text
        token = re.search(r"https://shop\.example/reset-password\.html#token=([A-Za-z0-9_-]+)", text).group(1)
        reset = requests.post(server.url("/api/v1/auth/password/reset"), json={"token": token, "password": "eclair2024"})
        assert reset.status_code == 204
        login = requests.post(server.url("/api/v1/auth/login"), json={"email": "lan@example.vn", "password": "eclair2024"})
        assert login.status_code == 200
    finally:
        server.stop()


def test_account_and_reset_pages_are_served_with_their_scripts(server):
    for page, script in [("/account.html", "/js/account.js"), ("/reset-password.html", "/js/reset-password.js")]:
        html = requests.get(server.url(page))
        assert html.status_code == 200 and script in html.text
        js = requests.get(server.url(script))
        assert js.status_code == 200 and "/js/api.js" in js.text
    assert "X-CSRF-Token" in requests.get(server.url("/js/api.js")).text
