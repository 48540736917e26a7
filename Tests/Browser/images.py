#!/usr/bin/python3
"""Browser test of images and jobs: a real `wharf serve` (temporary data directory) driven by headless
Chromium through Selenium, against the test fleet's engine A and registry.

It pulls the fleet's multi-layer image and waits for every layer's bar to reach 100 %, uploads a build
context through the build form (the script sends it as the raw body with upload progress) and watches the
output arrive live, leaves the job page mid-build and comes back to find the output complete and in order,
finds the new image in the list and on its page, and checks that a viewer can watch a build but neither
start one nor cancel it. Screenshots at 1280 and 390 px, light and dark, go to .build/screenshots/
(images-*.png, jobs-*.png, registries-*.png).

Needs the fleet's environment: eval "$(deploy/dev/fleet.sh env)". Helpers come from accounts.py.
Usage: Tests/Browser/images.py [path/to/wharf]   (default .build/debug/wharf, or $WHARF_BIN)
"""
import http.client
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accounts as a  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

XSS = "<img src=x onerror=alert(1)>"


def env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: eval \"$(deploy/dev/fleet.sh env)\" first")
    return value


class UnixConnection(http.client.HTTPConnection):
    """HTTP over the engine's unix socket (to remove an image before the pull)."""

    def __init__(self, path):
        super().__init__("docker")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def engine(method, path):
    connection = UnixConnection(env("WHARF_TEST_ENGINE_A").replace("unix://", ""))
    connection.request(method, path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def wharf_cli(binary, data_dir, *arguments, stdin=None):
    subprocess.run([binary, *arguments, "--data-dir", data_dir, "--resources", a.ROOT],
                   input=stdin, text=True, check=True, capture_output=True)


def build_context(path, lines):
    """A tar context whose build prints `lines` lines, a fifth of a second apart."""
    dockerfile = (f"FROM {env('WHARF_TEST_IMAGE_BUSYBOX')}\n"
                  "COPY count.sh /count.sh\n"
                  "RUN sh /count.sh\n"
                  f'LABEL wharf.browser="{XSS}"\n')
    script = f'i=1; while [ $i -le {lines} ]; do echo "output line $i"; i=$((i+1)); sleep 0.2; done\n'
    with tarfile.open(path, "w", format=tarfile.USTAR_FORMAT) as archive:
        for name, content in (("Dockerfile", dockerfile), ("count.sh", script)):
            data = content.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def wait_until(predicate, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if predicate():
                return True
        except Exception:  # noqa: BLE001 — the page may be between loads
            pass
        time.sleep(0.25)
    return False


def status(driver):
    return driver.find_element(By.CSS_SELECTOR, ".job-status").text


def lines_of(driver):
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, ".job-lines li")]


def sign_in(driver, base, username, password):
    driver.delete_all_cookies()
    driver.get(base + "/signin")
    a.fill(driver, {"username": username, "password": password})


def run(binary):
    os.makedirs(a.SHOTS, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="wharf-browser-images-")
    work = tempfile.mkdtemp(prefix="wharf-browser-images-work-")
    server, base, setup_url = a.start_server(binary, data_dir)
    driver = a.make_driver()
    wait = WebDriverWait(driver, 15)
    bigdata = env("WHARF_TEST_IMAGE_BIGDATA")
    tag = f"wharf-browser-build:{int(time.time())}"
    try:
        driver.set_window_size(1280, 900)
        driver.get(setup_url)
        a.fill(driver, {"username": "admin", "password": a.PASSWORD, "confirm": a.PASSWORD})
        wait.until(EC.url_to_be(base + "/"))
        # The host, a viewer and an admin token come from the command line, beside the server.
        wharf_cli(binary, data_dir, "host", "add", "--name", "engine-a", "--url", env("WHARF_TEST_ENGINE_A"))
        wharf_cli(binary, data_dir, "user", "create", "--username", "vic", "--role", "viewer", stdin=a.PASSWORD + "\n")
        driver.get(base + "/hosts/1")
        a.fill(driver, {"role": "viewer"}, submit=False)
        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, ".grant-form button").click()
        wait.until(a.page_left(old))

        # Pull: one bar per layer, each reaching 100 %.
        engine("DELETE", "/images/" + bigdata.replace("/", "%2F") + "?force=1")
        driver.get(base + "/hosts/1/images/pull")
        a.shoot(driver, "images-pull-form")
        a.fill(driver, {"reference": bigdata})
        wait.until(EC.url_matches(r"/jobs/\d+$"))
        a.check(wait_until(lambda: status(driver) == "succeeded", 120), "the pull succeeds, live on its page")
        bars = driver.find_elements(By.CSS_SELECTOR, ".layers-table tr[data-layer] progress")
        values = [bar.get_attribute("value") for bar in bars]
        a.check(len(bars) >= 6 and all(value == "100" for value in values), f"every layer's bar reached 100 %: {values}")
        a.check(driver.find_element(By.CSS_SELECTOR, ".overall-bar").get_attribute("value") == "100", "the overall bar is full")
        a.shoot(driver, "images-pull-job")
        driver.refresh()
        bars = driver.find_elements(By.CSS_SELECTOR, ".layers-table tr[data-layer] progress")
        a.check(len(bars) == len(values) and all(bar.get_attribute("value") == "100" for bar in bars),
                "the page rendered from the stored events shows the same bars")

        # Build from an uploaded tar: the upload goes as the raw body; the job page follows it live.
        context = os.path.join(work, "context.tar")
        build_context(context, 40)
        driver.get(base + "/hosts/1/images/build")
        driver.find_element(By.NAME, "tags").send_keys(tag)
        driver.find_element(By.NAME, "context").send_keys(context)
        a.shoot(driver, "images-build-form")
        driver.find_element(By.CSS_SELECTOR, ".upload-form button[type=submit]").click()
        wait.until(EC.url_matches(r"/jobs/\d+$"))
        job_url = driver.current_url
        a.check(wait_until(lambda: any("output line 5" == line for line in lines_of(driver)), 90), "build output arrives live")
        a.check(status(driver) == "running", "the build is still running while its output shows")
        a.check(len(driver.find_elements(By.CSS_SELECTOR, ".job-steps li.current")) == 1, "the current step is marked")
        a.shoot(driver, "images-build-live")
        # Leave mid-build, come back: everything is there, in order, once.
        driver.get(base + "/jobs")
        time.sleep(2)
        driver.get(job_url)
        a.check(wait_until(lambda: status(driver) == "succeeded", 120), "the build succeeds")
        output = [line for line in lines_of(driver) if line.startswith("output line ")]
        a.check(output == [f"output line {i}" for i in range(1, 41)], f"the output is complete and in order: {output[:3]}…{output[-3:]}")
        a.check(not driver.find_elements(By.CSS_SELECTOR, ".job-cancel") or
                not driver.find_element(By.CSS_SELECTOR, ".job-cancel").is_displayed(), "no cancel button once it ended")
        a.shoot(driver, "images-build-done")
        driver.get(base + "/hosts/1/images")
        a.check(tag in a.text(driver), "the new image is in the list")
        a.shoot(driver, "images-list")
        driver.find_element(By.LINK_TEXT, tag).click()
        wait.until(EC.url_contains("/images/sha256:"))
        a.check(XSS in a.text(driver), "labels are shown as text")
        a.shoot(driver, "images-show")
        driver.get(base + "/hosts/1/prune/images?mode=unused")
        a.shoot(driver, "images-prune")
        driver.get(base + "/jobs")
        a.shoot(driver, "jobs-list")
        driver.get(base + "/registries")
        a.shoot(driver, "registries")

        # A viewer: watches a running build, but cannot start one or cancel it.
        admin_cookies = driver.get_cookies()
        build_context(context, 60)
        driver.get(base + "/hosts/1/images/build")
        driver.find_element(By.NAME, "tags").send_keys(tag + "-2")
        driver.find_element(By.NAME, "context").send_keys(context)
        driver.find_element(By.CSS_SELECTOR, ".upload-form button[type=submit]").click()
        wait.until(EC.url_matches(r"/jobs/\d+$"))
        second = driver.current_url
        sign_in(driver, base, "vic", a.PASSWORD)
        driver.get(second)
        a.check(wait_until(lambda: any(line.startswith("output line") for line in lines_of(driver)), 90), "a viewer watches the output")
        a.check(not driver.find_elements(By.CSS_SELECTOR, ".job-cancel"), "a viewer has no cancel button")
        a.shoot(driver, "jobs-viewer")
        driver.get(base + "/hosts/1/images")
        a.check("Pull" not in [link.text for link in driver.find_elements(By.CSS_SELECTOR, ".header-actions a")], "a viewer has no pull button")
        driver.get(base + "/hosts/1/images/build")
        a.check("403" in a.text(driver) or "not change" in a.text(driver), "a viewer cannot open the build form")
        # A cancel sent by hand (with the viewer's own valid CSRF token) is refused too.
        driver.get(second)
        token = driver.find_element(By.CSS_SELECTOR, "input[name=csrf]").get_attribute("value")
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
        connection = http.client.HTTPConnection(base.replace("http://", ""))
        connection.request("POST", second.replace(base, "") + "/cancel", body="csrf=" + token,
                           headers={"Cookie": cookie, "Origin": base, "Content-Type": "application/x-www-form-urlencoded"})
        a.check(connection.getresponse().status == 403, "a viewer's cancel is refused")
        connection.close()
        driver.delete_all_cookies()
        driver.get(base + "/")
        for cookie in admin_cookies:
            driver.add_cookie({"name": cookie["name"], "value": cookie["value"], "path": "/"})
        driver.get(second)
        a.check(wait_until(lambda: driver.find_element(By.CSS_SELECTOR, ".job-cancel button").is_displayed(), 10), "the admin can cancel")
        driver.find_element(By.CSS_SELECTOR, ".job-cancel button").click()
        alert = WebDriverWait(driver, 5).until(EC.alert_is_present())
        alert.accept()
        a.check(wait_until(lambda: status(driver) == "cancelled", 60), "cancel ends the build")
        a.shoot(driver, "jobs-cancelled")

        a.check_no_csp_violations(driver)
    finally:
        for name in (tag, tag + "-2", bigdata):
            engine("DELETE", "/images/" + name.replace("/", "%2F") + "?force=1")
        a.stop(driver, server, data_dir)
        subprocess.run(["rm", "-rf", work], check=False)


if __name__ == "__main__":
    sys.exit(a.main(run, "browser (images)"))
