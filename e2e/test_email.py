"""Email through the queue to a real SMTP peer (aiosmtpd): plain, STARTTLS with a private CA and AUTH,
and a peer that first answers 4xx, so the job retries and then delivers."""
import ssl
import threading
import time
from email import message_from_bytes, policy

import pytest
import requests
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from conftest import Server, base_env, eventually, free_port


class Inbox:
    """An aiosmtpd handler that stores what it accepts, and can refuse the first deliveries with 451."""

    def __init__(self, refuse_first: int = 0):
        self.messages = []
        self.refusals_left = refuse_first
        self.refused = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refusals_left > 0:
                self.refusals_left -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session.ssl is not None))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 30.0):
        def arrived():
            with self.lock:
                return list(self.messages) if len(self.messages) >= count else None

        return eventually(arrived, f"{count} message(s) at the SMTP peer", timeout=timeout)


def register(server: Server, email="lan@example.vn"):
    response = requests.post(server.url("/api/v1/auth/register"), json={"email": email, "password": "banhmi2024", "name": "Lan"})
    assert response.status_code == 201, response.text


def test_welcome_email_reaches_a_plain_smtp_peer(data_dir):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    server = Server(data_dir, env=base_env(MAIL_TRANSPORT="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))).start()
    try:
        register(server)
        mail_from, rcpt_tos, content, encrypted = inbox.wait_for(1)[0]
        message = message_from_bytes(content, policy=policy.default)
        assert mail_from == "no-reply@klelite.local" and rcpt_tos == ["lan@example.vn"]
        assert message["Subject"] == "Chào mừng bạn đến với KLeLite · Welcome to KLeLite"
        assert message.get_content_type() == "multipart/alternative"
        assert "Xin chào Lan" in message.get_body(("plain",)).get_content() and "Hello Lan" in message.get_body(("plain",)).get_content()
        assert not encrypted
    finally:
        server.stop()
        controller.stop()


def test_starttls_with_a_private_ca_and_auth_plain(data_dir, tmp_path):
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate.configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"shop" and auth_data.password == b"s3cret-pass"
        logins.append((mechanism, ok))
        return AuthResult(success=ok)

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    env = base_env(MAIL_TRANSPORT="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=str(port), SMTP_STARTTLS="true",
                   SMTP_CA_FILE=str(ca_file), SMTP_USER="shop", SMTP_PASSWORD="s3cret-pass")
    server = Server(data_dir, env=env).start()
    try:
        register(server)
        _, rcpt_tos, _, encrypted = inbox.wait_for(1)[0]
        assert rcpt_tos == ["lan@example.vn"] and encrypted
        assert logins == [("PLAIN", True)]
    finally:
        server.stop()
        controller.stop()


def test_a_refusing_peer_gets_the_same_message_again_after_backoff(data_dir):
    inbox = Inbox(refuse_first=1)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    server = Server(data_dir, env=base_env(MAIL_TRANSPORT="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))).start()
    try:
        register(server)
        messages = inbox.wait_for(1, timeout=30)
        assert inbox.refused == 1 and len(messages) == 1
        message = message_from_bytes(messages[0][2], policy=policy.default)
        assert message["Message-ID"].startswith("<welcome-")
        time.sleep(1)
        assert len(inbox.messages) == 1
    finally:
        server.stop()
        controller.stop()
