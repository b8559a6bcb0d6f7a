"""Browser harness for the e2e tests: Playwright for Python driving Debian's Chromium.

`playwright install` cannot download its browsers here, so the tests launch the system's
`/usr/bin/chromium` (installed by `scripts/install-deps.sh test`). Every page a test opens records
console errors and failed requests; `assert_clean(page)` fails the test on any of them, `assert_accessible`
runs axe-core and fails on serious or critical violations, and `screenshot` saves a PNG under
`e2e/artifacts/` (ignored by git) for a person to look at.
"""
import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and shutil.which(candidate):
            return candidate
    raise RuntimeError("Chromium is missing: run scripts/install-deps.sh test")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield launched
        launched.close()


class PageProblems:
    """What went wrong on a page while a test drove it."""

    def __init__(self):
        self.console_errors: list[str] = []
        self.failed_requests: list[str] = []


def open_page(browser, base_url: str, viewport=DESKTOP, locale="vi-VN", allowed_statuses=()):
    """A new browser context (its own cookies) and page that records console errors and failed requests.

    `allowed_statuses` lists HTTP statuses a test expects the page's own API calls to meet (for example
    401 before sign-in, 409 for a sold-out reserve); any other status ≥ 400 counts as a failed request.
    """
    context = browser.new_context(base_url=base_url, viewport=viewport, locale=locale)
    page = context.new_page()
    problems = PageProblems()
    page.on("console", lambda message: message.type == "error" and problems.console_errors.append(message.text))
    page.on("pageerror", lambda error: problems.console_errors.append(str(error)))
    page.on("requestfailed", lambda request: _record_failure(problems, request))
    page.on(
        "response",
        lambda response: response.status >= 400
        and response.status not in allowed_statuses
        and problems.failed_requests.append(f"{response.status} {response.request.method} {response.url}"),
    )
    page.problems = problems
    return page


def _record_failure(problems: PageProblems, request):
    failure = request.failure or ""
    # A stream or fetch the page itself aborted on navigation is not a failure.
    if "ERR_ABORTED" in failure:
        return
    problems.failed_requests.append(f"{request.method} {request.url}: {failure}")


def assert_clean(page):
    """No console error and no failed request so far on this page."""
    problems = page.problems
    assert not problems.console_errors, f"console errors: {problems.console_errors}"
    assert not problems.failed_requests, f"failed requests: {problems.failed_requests}"


def assert_accessible(page, name: str):
    """axe-core finds no serious or critical violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node.get("target", [""])[0] if isinstance(node.get("target"), list) else str(node) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation.get("impact") in ("serious", "critical")
    ]
    assert not bad, f"{name}: accessibility violations:\n" + "\n".join(bad)


def screenshot(page, name: str):
    """Saves a full-page PNG as e2e/artifacts/NAME.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
