"""The Prefect UI of a server started by `scrutiny server start`, in headless Chromium (Debian's
chromium and chromium-driver, driven by Selenium): find the deployments, trigger the chase from the
UI, wait for Completed, open the `responses-outstanding` artifact. Screenshots of each step are
kept in test-output/ui-browser/ at the repository's root."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from tests.server_helpers import REPO, clean_env, free_port, run_deployment, scrutiny, started_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SHOTS = REPO / "test-output" / "ui-browser"
# Chromium as the machine notes say: no sandbox as root, and no background connections (refused here).
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
]


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDriver]:
    for needed in (CHROMIUM, CHROMEDRIVER):
        assert needed.exists(), f"{needed} is missing: run SCRUTINY_SETUP_TESTS=1 ./scripts/setup.sh"
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not try to download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(15)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(autouse=True)
def _fresh_shots() -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()


def _shot(driver: WebDriver, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    assert driver.save_screenshot(str(path)), f"no screenshot {path}"
    return path


def _click(driver: WebDriver, element: WebElement) -> None:
    # Toasts and pop-overs can sit over an element; a script click is what a user's click does here.
    driver.execute_script("arguments[0].click()", element)


def _wait(driver: WebDriver, condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition(driver):  # type: ignore[operator]
        if time.monotonic() > deadline:
            _shot(driver, "timeout")
            raise AssertionError(f"timed out waiting for {what}; see {SHOTS / 'timeout.png'}")
        time.sleep(1)


def _run_state(driver: WebDriver) -> str:
    badges = driver.find_elements(By.CSS_SELECTOR, ".page-heading-flow-run__meta .state-badge")
    return badges[0].text.strip() if badges else ""


def test_trigger_chase_from_the_ui_and_open_its_artifact(browser: WebDriver, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = clean_env(home, SCRUTINY_SERVER_PORT=str(free_port()), SCRUTINY_PDF="false")
    with started_server(env, home) as started:
        assert started.returncode == 0, started.stderr + started.stdout
        status = json.loads(scrutiny(env, "server", "status", "--json").stdout)
        ui, api = status["ui_url"], status["api_url"]
        # Requests to chase: plan and issue the letters first (through the API, on the worker).
        for name in ("plan-annual-updates/plan-on-demand", "issue-request-letters/letters-on-demand"):
            done = run_deployment(api, tmp_path / "client-prefect", name, parameters={"as_of": "2026-11-21"})
            assert done["state_type"] == "COMPLETED", done

        browser.get(f"{ui}/deployments")
        for name in ("daily", "daily-chasers", "plan-on-demand", "letters-on-demand", "pack-on-demand"):
            assert browser.find_element(By.LINK_TEXT, name).is_displayed()
        _shot(browser, "1-deployments")

        browser.find_element(By.LINK_TEXT, "daily-chasers").click()
        _wait(browser, lambda d: "Concurrency Limit" in d.find_element(By.TAG_NAME, "body").text, 30, "the page")
        chase_page = browser.current_url
        # The run form shows each parameter with the description from the flow's docstring.
        browser.find_element(By.CSS_SELECTOR, "button.run-menu__run-button").click()
        custom = browser.find_element(
            By.XPATH, "//button[contains(@class,'p-overflow-menu-item') and contains(., 'Custom run')]"
        )
        _click(browser, custom)
        _wait(browser, lambda d: "The day to run as of" in d.find_element(By.TAG_NAME, "body").text, 30, "the run form")
        assert "E-mail what was written" in browser.find_element(By.TAG_NAME, "body").text
        _shot(browser, "2-chase-run-form-parameters")
        browser.get(chase_page)

        browser.find_element(By.CSS_SELECTOR, "button.run-menu__run-button").click()
        quick = browser.find_element(
            By.XPATH, "//button[contains(@class,'p-overflow-menu-item') and contains(., 'Quick run')]"
        )
        _click(browser, quick)
        view = browser.find_element(By.CSS_SELECTOR, "button.toast-flow-run-create__button")
        _shot(browser, "3-quick-run-scheduled")
        _click(browser, view)
        _wait(browser, lambda d: "/runs/flow-run/" in d.current_url, 30, "the run's page")
        _wait(browser, lambda d: _run_state(d) in ("Completed", "Failed", "Crashed"), 300, "the run to finish")
        assert _run_state(browser) == "Completed"
        _shot(browser, "4-run-completed")

        _click(
            browser, browser.find_element(By.XPATH, "//li[contains(@class,'p-tab') and normalize-space()='Artifacts']")
        )
        _wait(browser, lambda d: "responses-outstanding" in d.find_element(By.TAG_NAME, "body").text, 60, "artifacts")
        _shot(browser, "5-run-artifacts")
        cards = browser.find_elements(By.XPATH, "//a[contains(@href, '/artifacts/artifact/')]")
        table = next(card for card in cards if "responses-outstanding" in card.text)
        _click(browser, table)
        _wait(browser, lambda d: "/artifacts/artifact/" in d.current_url, 30, "the artifact page")
        _wait(browser, lambda d: "request_id" in d.find_element(By.TAG_NAME, "body").text, 60, "the table")
        page = browser.find_element(By.TAG_NAME, "body").text
        assert "Responses outstanding as of" in page and "due_date" in page and "status" in page
        path = _shot(browser, "6-responses-outstanding")
    assert path.stat().st_size > 10_000
