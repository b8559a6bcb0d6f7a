"""`make run` after its build step (scripts/run-demo.sh, which the Makefile calls with the release binary; here with
the binary under test): on an empty data folder it seeds the demo and, once the shop is ready, prints the addresses
and the demo admin's generated sign-in; run again on the same folder it adds nothing and prints the same sign-in."""
import os
import signal
import subprocess
import threading

from conftest import BIN, ROOT, base_env, eventually, free_port
from test_demo import credentials


def run_demo(data_dir, port: int) -> str:
    """Runs scripts/run-demo.sh until it has printed its banner, stops it with SIGINT (Ctrl-C), returns its output."""
    env = base_env(HTTP_PORT=str(port), PAYMENT_PROVIDER="simulated")
    process = subprocess.Popen(["scripts/run-demo.sh", BIN, str(data_dir)], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    lines: list[str] = []

    def read():
        for line in process.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        eventually(lambda: any("Password:" in line for line in lines) or process.poll() is not None, "the banner", timeout=60)
        assert process.poll() is None, "".join(lines)
        os.kill(process.pid, signal.SIGINT)  # the script's own PID: it forwards the stop to the server
        assert process.wait(timeout=30) == 0, "".join(lines)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    reader.join(timeout=10)
    return "".join(lines)


def test_make_run_prints_the_demo_sign_in_on_a_fresh_folder_and_again_on_the_second_run(tmp_path):
    data_dir, port = tmp_path / "data", free_port()
    first = run_demo(data_dir, port)
    demo = credentials(data_dir)
    assert "Demo shop:" in first and "flash sales added" in first, first
    for text in (f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/admin/", demo["ADMIN_EMAIL"], demo["ADMIN_PASSWORD"]):
        assert text in first.split("KLeLite is ready", 1)[-1], (text, first)
    second = run_demo(data_dir, port)
    assert "nothing added" in second and "flash sales added" not in second, second
    assert f"Password:       {demo['ADMIN_PASSWORD']}" in second, second
    assert credentials(data_dir) == demo
