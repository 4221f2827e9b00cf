"""A real headless browser (Debian's /usr/bin/chromium driven by Playwright, no browser
download) on the dashboard: start a run from the form, watch it finish, see the chart
and the verdict. `.ci/run` installs chromium; without it the test is skipped locally
and fails in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.web.conftest import BASE, CAND, JUDGE, LiveServer, web_settings
from whichmodel.store import Store
from whichmodel.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
DOCS = Path(__file__).resolve().parents[2] / "docs"
# Chromium as this machine's closed network needs it (no background connections)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (`apt-get install chromium`; CI installs it)",
)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_start_a_run_in_the_dashboard_and_see_it_finish(gateway, scripted, tmp_path, browser):
    db = tmp_path / "w.db"
    Store(db).add_prompts(
        [{"messages": [{"role": "user", "content": f"question {i}"}]} for i in range(12)]
    )
    settings = web_settings(
        gateway.url, scripted.base_url, db, baseline=BASE, candidates=[CAND], judge=JUDGE
    )
    requests: list[str] = []
    with LiveServer(create_app(settings)) as live:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda r: requests.append(r.url))
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        page.goto(live.url + "/")
        assert page.locator("h1").inner_text() == "whichmodel runs"
        page.fill("#baseline", BASE)
        page.fill("#candidates", CAND)
        page.fill("#judge", JUDGE)
        page.click("button[type=submit]")

        # the form sends us to the run page, which refreshes until the run is done
        page.wait_for_url(f"{live.url}/runs/*", timeout=30_000)
        run_id = page.url.rsplit("/", 1)[-1]
        page.wait_for_selector(".verdict", timeout=60_000)
        page.wait_for_function(
            "() => !document.querySelector('meta[http-equiv=refresh]')", timeout=60_000
        )
        verdict = page.locator(".verdict").first.inner_text()
        assert "fake-cand" in verdict and "fake-base" in verdict
        chart = page.locator("svg").first
        assert chart.is_visible()
        assert "fake-cand" in chart.inner_html() and "fake-base" in chart.inner_html()
        assert page.locator("details").count() >= 12  # every prompt in the drill-down
        assert Store(db).run(run_id).status == "completed"

        # the screenshots in the docs come from this very run
        DOCS.mkdir(exist_ok=True)
        page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=False)
        if os.environ.get("WHICHMODEL_UPDATE_SCREENSHOTS"):
            page.screenshot(path=str(DOCS / "dashboard.png"), full_page=False)
        page.goto(live.url + "/")
        assert run_id in page.locator("table").inner_text()
        assert not errors
    # nothing was fetched from anywhere but the local server
    assert requests and all(url.startswith(live.url) for url in requests)
