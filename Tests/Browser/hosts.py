#!/usr/bin/python3
"""Browser test of the host pages: a real `wharf serve` (temporary data directory) driven by headless
Chromium through Selenium, against the test fleet's engines.

It completes setup, registers engine A's socket as `local` from the dashboard's offer, adds engine A (unix socket) after "Test connection", sees it up on the host
page and the dashboard, adds engine B with mutual TLS (CA pasted, client certificate and key uploaded), adds an
unreachable host and sees it down with its error, shows a refused form, and saves screenshots at
1280 and 390 px, light and dark, into .build/screenshots/ (hosts-*.png).

Needs the fleet's environment: eval "$(deploy/dev/fleet.sh env)". Helpers come from accounts.py.
Usage: Tests/Browser/hosts.py [path/to/wharf]   (default .build/debug/wharf, or $WHARF_BIN)
"""
import os
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accounts as a  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: eval \"$(deploy/dev/fleet.sh env)\" first")
    return value


def read(path):
    with open(path) as handle:
        return handle.read()


def click(driver, selector):
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    WebDriverWait(driver, 15).until(a.page_left(old))


def wait_for_text(driver, url, needle, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        driver.get(url)
        if needle in a.text(driver):
            return True
        time.sleep(0.5)
    return False


def run(binary):
    engine_a = env("WHARF_TEST_ENGINE_A")
    engine_b = env("WHARF_TEST_ENGINE_B").replace("tcp://", "https://")
    ca = read(env("WHARF_TEST_TLS_CA"))
    os.makedirs(a.SHOTS, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="wharf-browser-hosts-")
    # Engine A's socket stands in for /var/run/docker.sock: the fresh dashboard offers it.
    os.environ["WHARF_DOCKER_SOCKET"] = engine_a.replace("unix://", "")
    server, base, setup_url = a.start_server(binary, data_dir)
    driver = a.make_driver()
    wait = WebDriverWait(driver, 10)
    try:
        driver.set_window_size(1280, 900)
        driver.get(setup_url)
        a.fill(driver, {"username": "admin", "password": a.PASSWORD, "confirm": a.PASSWORD})
        wait.until(EC.url_to_be(base + "/"))
        a.check("No Docker hosts yet" in a.text(driver), "a fresh dashboard says there are no hosts")
        a.check("Register it as" in a.text(driver) and "/tmp/" in a.text(driver), "the dashboard offers the local engine")
        a.shoot(driver, "hosts-dashboard-empty")
        click(driver, "form[action='/hosts/new/local'] button")
        wait.until(EC.url_contains("done=created"))
        a.check(wait_for_text(driver, driver.current_url.split("?")[0], "Docker Engine"), "the local engine is registered and up")

        driver.get(base + "/hosts/new")
        a.fill(driver, {"name": "bad name", "url": "https://10.0.0.9:2376"})
        a.check("Use only letters, digits" in a.text(driver), "the form explains a bad name")
        a.check("needs the CA certificate" in a.text(driver), "the form explains a TLS address without CA")
        a.shoot(driver, "hosts-form-errors")

        driver.get(base + "/hosts/new")
        a.fill(driver, {"name": "engine-a", "url": engine_a}, submit=False)
        click(driver, "button[formaction^='/hosts/new/test']")
        a.check("Connected: Docker Engine" in a.text(driver), "Test connection shows the engine's version")
        a.check(driver.find_element(By.NAME, "name").get_attribute("value") == "engine-a", "the tested form keeps its values")
        a.shoot(driver, "hosts-test-ok")
        click(driver, "form.host-form button[type='submit']:not([formaction])")
        wait.until(EC.url_contains("done=created"))
        host_url = driver.current_url.split("?")[0]
        a.check(wait_for_text(driver, host_url, "Docker Engine"), "the host page shows the engine as up")
        a.check("Up" in a.text(driver), "the host page says Up")
        a.shoot(driver, "hosts-engine-a")

        driver.get(base + "/")
        a.check("engine-a" in a.text(driver) and "Up" in a.text(driver), "the dashboard lists engine A as up")
        a.shoot(driver, "hosts-dashboard")

        driver.get(base + "/hosts/new")
        # The CA is pasted; the client certificate and key are uploaded as files.
        a.fill(driver, {"name": "engine-b", "url": engine_b, "tls_ca": ca}, submit=False)
        driver.find_element(By.ID, "tls_cert_file").send_keys(env("WHARF_TEST_TLS_CLIENT_CERT"))
        driver.find_element(By.ID, "tls_key_file").send_keys(env("WHARF_TEST_TLS_CLIENT_KEY"))
        click(driver, "button[formaction^='/hosts/new/test']")
        a.check("Connected: Docker Engine" in a.text(driver), "Test connection over mutual TLS with uploaded files")
        driver.find_element(By.ID, "tls_key_file").send_keys(env("WHARF_TEST_TLS_CLIENT_KEY"))
        driver.find_element(By.ID, "tls_cert_file").send_keys(env("WHARF_TEST_TLS_CLIENT_CERT"))
        click(driver, "form.host-form button[type='submit']:not([formaction])")
        wait.until(EC.url_contains("done=created"))
        host_b = driver.current_url.split("?")[0]
        a.check(wait_for_text(driver, host_b, "Docker Engine"), "engine B over mutual TLS is up")
        a.check("CN=Wharf Test CA" in a.text(driver), "the host page lists the CA certificate")
        a.shoot(driver, "hosts-engine-b")

        driver.get(base + "/hosts/new")
        a.fill(driver, {"name": "unreachable", "url": "tcp://127.0.0.1:1"}, submit=False)
        click(driver, "button[formaction^='/hosts/new/test']")
        a.check("connection refused" in a.text(driver), "Test connection names the failure")
        a.shoot(driver, "hosts-test-failed")
        click(driver, "form.host-form button[type='submit']:not([formaction])")
        a.check(wait_for_text(driver, base + "/hosts", "Down"), "the list shows the unreachable host down")
        a.shoot(driver, "hosts-list")

        driver.get(host_b + "/edit")
        a.shoot(driver, "hosts-edit")

        a.check_no_csp_violations(driver)
    finally:
        a.stop(driver, server, data_dir)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("WHARF_BIN", os.path.join(a.ROOT, ".build", "debug", "wharf"))
    try:
        run(binary)
    except Exception:
        traceback.print_exc()
        a.failed += 1
    print(f"screenshots in {a.SHOTS}")
    print(f"browser (hosts): {a.passed} passed, {a.failed} failed")
    return 1 if a.failed else 0


if __name__ == "__main__":
    sys.exit(main())
