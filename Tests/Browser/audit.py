#!/usr/bin/python3
"""Browser test of the audit pages: a real `wharf serve` with a temporary data directory, driven
by headless Chromium through Selenium (helpers shared with accounts.py).

It sets up an admin, makes some history (a user, a failed sign-in, CLI verifications for a second
page), then opens /audit, filters it, follows the keyset page link, opens a row's detail, shows a
wrong filter, checks there was no Content-Security-Policy violation, and saves screenshots at 1280
and 390 px wide, light and dark, into .build/screenshots/audit-*.png.
Usage: Tests/Browser/audit.py [path/to/wharf]   (default .build/debug/wharf, or $WHARF_BIN)
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accounts  # noqa: E402
from accounts import PASSWORD, ROOT, SHOTS, check, fill, make_driver, shoot, start_server, text  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def run(binary):
    os.makedirs(SHOTS, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="wharf-browser-audit-")
    server, base, setup_url = start_server(binary, data_dir)
    driver = make_driver()
    wait = WebDriverWait(driver, 10)
    try:
        driver.set_window_size(1280, 900)
        driver.get(setup_url)
        fill(driver, {"username": "admin", "password": PASSWORD, "confirm": PASSWORD})
        wait.until(EC.url_to_be(base + "/"))
        driver.get(base + "/users/new")
        fill(driver, {"username": "ada", "role": "operator", "password": PASSWORD, "confirm": PASSWORD})
        wait.until(EC.url_contains("done=created"))
        environment = dict(os.environ, WHARF_DATA_DIR=data_dir, WHARF_RESOURCES=ROOT)
        for _ in range(55):
            subprocess.run([binary, "audit", "verify"], env=environment, check=True, capture_output=True)

        driver.get(base + "/audit")
        check("Audit" in driver.title, "the audit page opens from the nav")
        check(driver.find_element(By.CSS_SELECTOR, ".topnav a[aria-current='page']").text == "Audit", "the nav marks Audit")
        rows = driver.find_elements(By.CSS_SELECTOR, ".audit-table tbody tr")
        check(len(rows) == 50, f"the first page has 50 rows ({len(rows)})")
        shoot(driver, "audit")
        older = driver.find_element(By.CSS_SELECTOR, "a[rel='next']")
        check("before=" in older.get_attribute("href"), "the next page link is a keyset link")
        older.click()
        wait.until(EC.url_contains("before="))
        check(len(driver.find_elements(By.CSS_SELECTOR, ".audit-table tbody tr")) > 0, "the second page has rows")

        driver.get(base + "/audit")
        fill(driver, {"action": "user.", "outcome": "ok"})
        check(driver.find_element(By.NAME, "action").get_attribute("value") == "user.", "the filter keeps the action")
        check("user.create" in text(driver) and "audit.verify" not in text(driver), "the action filter selects")
        shoot(driver, "audit-filtered")

        driver.find_element(By.CSS_SELECTOR, ".audit-table tbody tr td a").click()
        wait.until(EC.url_matches(r".*/audit/[0-9]+$"))
        body = text(driver)
        check("Previous hash" in body and "user.create" in body and '"role"' in body, "the row detail shows hash and parameters")
        shoot(driver, "audit-detail")

        driver.get(base + "/audit?host=abc&from=2026-99-01")
        check("Enter a host id" in text(driver), "a wrong filter is explained next to its field")
        shoot(driver, "audit-errors")

        accounts.check_no_csp_violations(driver)
    finally:
        accounts.stop(driver, server, data_dir)


if __name__ == "__main__":
    sys.exit(accounts.main(run, "browser (audit)"))
