"""The explorer in a real browser: headless Chromium from Debian's packages driven by Selenium (system
chromedriver, no browser download). Search → recipe → evidence (the highlighted sentence) → export, on SQLite and
on PostgreSQL when ``NANOSYNTH_TEST_POSTGRES_URL`` is set. Screenshots of the main pages are saved under
``artifacts/screenshots/<database>/`` of the repository (or ``$NANOSYNTH_SCREENSHOT_DIR``)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from explorer_data import MINED_TEMPERATURE

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.slow


def _screenshot_dir(request) -> Path:
    base = Path(os.environ.get("NANOSYNTH_SCREENSHOT_DIR") or REPO / "artifacts" / "screenshots")
    folder = base / request.node.callspec.params.get("any_db_url", "sqlite")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def server(explorer_db):
    """The explorer served by uvicorn on a free loopback port, in a thread: (base URL, ids)."""
    import uvicorn

    from nanosynth.db.engine import open_database
    from nanosynth.web.app import create_app

    url, ids = explorer_db
    engine = open_database(url)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the explorer did not start within 30 s"
    yield f"http://127.0.0.1:{port}", ids
    srv.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.fixture()
def browser(tmp_path):
    """Headless system Chromium (skipped when it is not installed, except in CI, where .ci/browser.sh installs it)."""
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium/chromedriver missing in CI: .ci/run must source .ci/browser.sh")
        pytest.skip("no system Chromium: apt-get install chromium chromium-driver (or run .ci/browser.sh)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--no-first-run", "--disable-extensions"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"download.default_directory": str(tmp_path / "downloads"),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver, tmp_path / "downloads"
    driver.quit()


def _wait_for_file(folder: Path, suffix: str, seconds: float = 30) -> Path:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done = [p for p in folder.glob(f"*{suffix}")] if folder.is_dir() else []
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} file was downloaded into {folder}")


def _navigate(driver, action) -> None:
    """Run ``action`` (a click, back ...) and wait until the browser has left the current page and loaded the next."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    action()
    wait = WebDriverWait(driver, 30)
    wait.until(ec.staleness_of(old))
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def test_search_recipe_evidence_export(server, browser, request):
    from selenium.webdriver.common.by import By

    base, ids = server
    driver, downloads = browser
    shots = _screenshot_dir(request)
    driver.get(base + "/")
    driver.find_element(By.NAME, "composition").send_keys("CdSe")
    driver.find_element(By.CSS_SELECTOR, "input[name=source][value=mined]").click()
    _navigate(driver, driver.find_element(By.ID, "search-button").click)
    assert driver.find_element(By.ID, "result-count").text.startswith("1 recipes")
    assert driver.find_elements(By.CSS_SELECTOR, "#plot-size .main-svg"), "plotly did not draw the size plot"
    driver.save_screenshot(str(shots / "search.png"))

    _navigate(driver, driver.find_element(By.CSS_SELECTOR, f'a.recipe-link[href="/recipes/{ids["mined"]}"]').click)
    assert driver.find_element(By.ID, "recipe-title").text.startswith(f"Recipe {ids['mined']}: CdSe")
    marks = [m.text for m in driver.find_elements(By.CSS_SELECTOR, ".evidence .sentence mark")]
    assert MINED_TEMPERATURE in marks
    evidence = next(e for e in driver.find_elements(By.CSS_SELECTOR, ".evidence")
                    if e.find_element(By.CSS_SELECTOR, ".sentence mark").text == MINED_TEMPERATURE)
    assert "the dots grew at 260 °C for 5 min." in evidence.find_element(By.CSS_SELECTOR, ".sentence").text
    evidence.find_element(By.TAG_NAME, "summary").click()  # opens the paper, section, extractor, paragraph
    meta = evidence.find_element(By.CSS_SELECTOR, ".meta")
    assert meta.is_displayed() and "test-miner@1" in meta.text and "Experimental" in meta.text
    driver.execute_script("arguments[0].scrollIntoView()", evidence)
    driver.save_screenshot(str(shots / "recipe-evidence.png"))

    _navigate(driver, driver.back)
    driver.find_element(By.ID, "export-csv").click()
    frame = pd.read_csv(_wait_for_file(downloads, ".csv"))
    assert list(frame["recipe_id"]) == [ids["mined"]] and list(frame["source"]) == ["mined"]

    driver.get(f"{base}/campaigns/{ids['campaign']}")
    assert driver.find_elements(By.CSS_SELECTOR, "#plot-campaign .main-svg")
    driver.save_screenshot(str(shots / "campaign.png"))
    assert {p.name for p in shots.iterdir()} >= {"search.png", "recipe-evidence.png", "campaign.png"}
