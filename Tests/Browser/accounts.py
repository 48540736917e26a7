#!/usr/bin/python3
"""Browser test of the account pages: a real `wharf serve` on a loopback port with a temporary
data directory, driven by headless Chromium through Selenium.

It completes first-run setup with the printed setup URL, creates a user, enrols TOTP, signs out
and in again with the second factor, checks the browser reported no Content-Security-Policy
violation, and saves screenshots of each page at 1280 and 390 px wide, light and dark, into
.build/screenshots/. Exits non-zero on any failure; prints "N passed, M failed".

Needs Debian's chromium, chromium-driver and python3-selenium (deploy/dev/test.sh installs them).
Usage: Tests/Browser/accounts.py [path/to/wharf]   (default .build/debug/wharf, or $WHARF_BIN)
"""
import base64
import hashlib
import hmac
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHOTS = os.path.join(ROOT, ".build", "screenshots")
PASSWORD = "correct horse battery staple"
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")

passed = 0
failed = 0


def page_left(element):
    """A wait condition: `element` (taken from the old page) is gone, so the next page has loaded.

    Like EC.staleness_of, but chromedriver sometimes reports a node of an unloaded document as
    "does not belong to the document" (a plain WebDriverException) rather than as stale.
    """
    def gone(_driver):
        try:
            element.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise
    return gone


def check(condition, message):
    global passed, failed
    if condition:
        passed += 1
    else:
        failed += 1
        print(f"FAIL: {message}", file=sys.stderr)


def totp(secret_base32, at=None, step_offset=0):
    """RFC 6238 code (SHA-1, 6 digits, 30 s)."""
    key = base64.b32decode(secret_base32.replace(" ", "").upper() + "=" * (-len(secret_base32.replace(" ", "")) % 8))
    counter = int((at or time.time()) // 30) + step_offset
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(binary, data_dir):
    port = free_port()
    process = subprocess.Popen(
        [binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir, "--resources", ROOT, "--no-access-log"],
        stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    setup_url = None
    while time.time() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        match = re.search(r"(http://\S+/setup\?token=\S+)", line)
        if match:
            setup_url = match.group(1)
            break
    if not setup_url:
        process.kill()
        raise RuntimeError("wharf serve did not print a setup URL")
    return process, f"http://127.0.0.1:{port}", setup_url


def make_driver():
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(driver_path), options=options)


def shoot(driver, name):
    """Saves the current page at each width and colour scheme, full height."""
    for scheme in SCHEMES:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
            "media": "screen", "features": [{"name": "prefers-color-scheme", "value": scheme}]})
        for width in WIDTHS:
            driver.set_window_size(width, 900)
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": max(600, min(height, 4000)), "deviceScaleFactor": 1, "mobile": width < 500})
            path = os.path.join(SHOTS, f"{name}-{width}-{scheme}.png")
            driver.save_screenshot(path)
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "screen", "features": []})
    driver.set_window_size(1280, 900)


def fill(driver, fields, submit=True):
    for name, value in fields.items():
        element = driver.find_element(By.NAME, name)
        if element.tag_name == "select":
            element.find_element(By.CSS_SELECTOR, f"option[value='{value}']").click()
        else:
            element.clear()
            element.send_keys(value)
    if submit:
        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.NAME, list(fields)[-1]).submit()
        WebDriverWait(driver, 10).until(page_left(old))


def text(driver):
    return driver.find_element(By.TAG_NAME, "body").text


def run(binary):
    os.makedirs(SHOTS, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="wharf-browser-")
    server, base, setup_url = start_server(binary, data_dir)
    driver = make_driver()
    wait = WebDriverWait(driver, 10)
    try:
        driver.set_window_size(1280, 900)
        driver.get(setup_url)
        check("Set up Wharf" in text(driver), "the setup page opens from the printed URL")
        shoot(driver, "setup")
        fill(driver, {"username": "admin", "password": "short", "confirm": "other"})
        check("Use at least 12 characters" in text(driver), "setup says what is wrong with the password")
        check(driver.find_element(By.NAME, "username").get_attribute("value") == "admin", "setup keeps the username")
        shoot(driver, "setup-errors")
        fill(driver, {"password": PASSWORD, "confirm": PASSWORD})
        wait.until(EC.url_to_be(base + "/"))
        check("Dashboard" in text(driver) and "admin" in text(driver), "setup signs the admin in")
        shoot(driver, "dashboard")

        driver.get(base + "/users/new")
        fill(driver, {"username": "ada", "role": "operator", "password": PASSWORD, "confirm": PASSWORD})
        wait.until(EC.url_contains("done=created"))
        check("User created." in text(driver), "the admin creates a user")
        shoot(driver, "user-detail")
        driver.get(base + "/users")
        check("ada" in text(driver) and "Operator" in text(driver), "the users list shows the new user")
        shoot(driver, "users")

        driver.get(base + "/profile")
        # The role defaults to the admin's own: an admin token asks for the password again.
        fill(driver, {"name": "ci-runner", "expires_days": "30", "token_current": PASSWORD})
        check("Your new API token" in text(driver), "a new API token is shown once")
        shoot(driver, "profile")

        driver.get(base + "/profile/totp")
        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form[action='/profile/totp/start'] button").click()
        wait.until(page_left(old))
        secret = driver.find_element(By.CSS_SELECTOR, ".secret code").text
        shoot(driver, "totp-enrol")
        fill(driver, {"code": totp(secret)})
        check("Recovery codes" in text(driver), "TOTP enrolment shows recovery codes")
        check(len(driver.find_elements(By.CSS_SELECTOR, ".codes li")) == 10, "ten recovery codes")
        shoot(driver, "totp-codes")

        driver.get(base + "/profile")
        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form[action='/signout'] button").click()
        wait.until(page_left(old))
        wait.until(EC.url_contains("/signin"))
        check("You are signed out." in text(driver), "sign-out lands on sign-in with a notice")
        fill(driver, {"username": "admin", "password": "not the password"})
        check("The username or password is not right" in text(driver), "a wrong password is explained")
        shoot(driver, "signin-error")
        # Keyboard focus is visible: tab to the username field and photograph it.
        driver.get(base + "/signin")
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        body.send_keys(Keys.TAB)
        shoot(driver, "signin")
        fill(driver, {"username": "admin", "password": PASSWORD})
        wait.until(EC.url_contains("/signin/totp"))
        shoot(driver, "signin-totp")
        fill(driver, {"code": totp(secret, step_offset=1)})
        wait.until(EC.url_to_be(base + "/"))
        check("Dashboard" in text(driver), "the second factor completes sign-in")

        driver.get(base + "/users")
        driver.find_element(By.ID, "require_totp").click()
        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form[action='/settings/security'] button").click()
        wait.until(page_left(old))
        wait.until(EC.url_contains("done=settings"))
        check("Settings saved." in text(driver), "admins can require two-step sign-in")

        driver.get(base + "/nowhere")
        check("There is no page at this address." in text(driver), "a 404 page for a signed-in user")
        shoot(driver, "not-found")

        check_no_csp_violations(driver)
    finally:
        stop(driver, server, data_dir)


def check_no_csp_violations(driver):
    violations = [entry["message"] for entry in driver.get_log("browser")
                  if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]]
    check(not violations, f"no CSP violations: {violations}")


def stop(driver, server, data_dir):
    driver.quit()
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(data_dir, ignore_errors=True)


def main(test=None, label="browser"):
    """Runs `test(binary)` (default: this file's run), prints the counts, returns the exit status."""
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("WHARF_BIN", os.path.join(ROOT, ".build", "debug", "wharf"))
    try:
        (test or run)(binary)
    except Exception:
        traceback.print_exc()
        global failed
        failed += 1
    print(f"screenshots in {SHOTS}")
    print(f"{label}: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
