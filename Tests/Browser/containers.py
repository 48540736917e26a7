#!/usr/bin/python3
"""Browser test of the container pages: a real `wharf serve` against the fleet's engine A, driven
by headless Chromium through Selenium.

An operator granted engine A signs in, sees the fleet on the dashboard, creates a busybox container
that prints a line every 100 ms (with an XSS payload in it), watches its logs arrive live and its
stats move, stops, restarts and removes it; the admin then finds each step in the audit history
with actor and host. A viewer sees no action buttons and gets 403 from the API. Screenshots at 1280
and 390 px, light and dark, into .build/screenshots/ (containers-*.png).

Needs the fleet's environment: eval "$(deploy/dev/fleet.sh env)". Helpers come from accounts.py.
Usage: Tests/Browser/containers.py [path/to/wharf]
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import accounts as a  # noqa: E402
from hosts import click, env, wait_for_text  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

XSS = "<img src=x onerror=alert(1)>"


def cli(binary, data_dir, *arguments, stdin=None):
    result = subprocess.run(
        [binary, *arguments, "--data-dir", data_dir, "--resources", a.ROOT], input=stdin, capture_output=True, text=True, check=True)
    return result.stdout


def sign_in(driver, base, username):
    driver.delete_all_cookies()
    driver.get(base + "/signin")
    a.fill(driver, {"username": username, "password": a.PASSWORD})
    WebDriverWait(driver, 10).until(EC.url_to_be(base + "/"))


def wait_until(predicate, seconds=15, message="condition"):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def api(base, token, method, path):
    request = urllib.request.Request(base + path, method=method, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def run(binary):
    engine_a = env("WHARF_TEST_ENGINE_A")
    image = os.environ.get("WHARF_TEST_IMAGE_BUSYBOX", "wharf-test/busybox:latest")
    os.makedirs(a.SHOTS, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="wharf-browser-containers-")
    server, base, setup_url = a.start_server(binary, data_dir)
    driver = a.make_driver()
    wait = WebDriverWait(driver, 10)
    name = f"wharf-browser-{os.getpid()}"
    try:
        driver.set_window_size(1280, 900)
        driver.get(setup_url)
        a.fill(driver, {"username": "admin", "password": a.PASSWORD, "confirm": a.PASSWORD})
        wait.until(EC.url_to_be(base + "/"))
        cli(binary, data_dir, "host", "add", "--name", "engine-a", "--url", engine_a)
        for user, role in (("olga", "operator"), ("vic", "viewer")):
            cli(binary, data_dir, "user", "create", "--username", user, "--role", role, stdin=a.PASSWORD + "\n")
        viewer_token = cli(binary, data_dir, "token", "create", "--username", "vic", "--name", "browser").split("wharf_", 1)[1].split()[0]
        viewer_token = "wharf_" + viewer_token
        # The admin grants olga operator and vic viewer access to engine A on its page.
        a.check(wait_for_text(driver, base + "/hosts/1", "Docker Engine"), "engine A is up")
        for user_id, role in (("2", "operator"), ("3", "viewer")):
            form = driver.find_element(By.CSS_SELECTOR, f"form.grant-form input[name='user_id'][value='{user_id}']").find_element(By.XPATH, "..")
            form.find_element(By.CSS_SELECTOR, f"option[value='{role}']").click()
            old = driver.find_element(By.TAG_NAME, "html")
            form.find_element(By.CSS_SELECTOR, "button").click()
            wait.until(a.page_left(old))

        sign_in(driver, base, "olga")
        a.check("engine-a" in a.text(driver) and "running" in a.text(driver), "the operator's dashboard shows the fleet")
        a.shoot(driver, "containers-dashboard")

        driver.get(base + "/hosts/1/containers/new")
        a.fill(driver, {"image": image, "name": name, "ports": "http", "memory": "lots"}, submit=False)
        click(driver, "form.container-form button[type='submit']")
        a.check("is not a port" in a.text(driver) and "at least 6m" in a.text(driver), "the form names each wrong field")
        a.shoot(driver, "containers-new-errors")
        script = f"i=0; while true; do echo \"tick $i {XSS}\"; echo \"warn $i\" >&2; i=$((i+1)); sleep 0.1; done"
        a.fill(driver, {"ports": "", "memory": "64m", "command": f"sh -c '{script}'", "labels": f"note={XSS}",
                        "env": f"GREETING={XSS}", "network": "none"}, submit=False)
        driver.find_element(By.ID, "c-start").click()
        click(driver, "form.container-form button[type='submit']")
        a.check(f"Container {name} created and started." in a.text(driver), "the container is created and started")
        container_url = driver.current_url.split("?")[0]
        a.check(not driver.find_elements(By.CSS_SELECTOR, "main img"), "no markup from labels or the command")
        a.shoot(driver, "containers-detail")

        driver.get(container_url + "/logs")
        lines = lambda: driver.find_elements(By.CSS_SELECTOR, ".log-lines li")
        a.check(wait_until(lambda: len(lines()) >= 5), "log lines arrive live")
        first = len(lines())
        a.check(wait_until(lambda: len(lines()) > first + 5), "more lines keep arriving")
        a.check(any(line.get_attribute("class") == "err" for line in lines()), "stderr lines are told apart")
        # One snapshot of the list (lines keep arriving: two reads of it could miss the stdout line
        # between two stderr ones), then the payload among its last lines, as text.
        last = [line.text for line in lines()[-4:]]
        a.check(any(XSS in text for text in last), f"the payload is shown as text ({last!r})")
        a.check(not driver.find_elements(By.CSS_SELECTOR, ".log-lines img"), "no img element from a log line")
        driver.find_element(By.ID, "log-search").send_keys("warn")
        a.check(all(("warn" in line.text) for line in lines() if line.is_displayed()), "search hides other lines")
        driver.find_element(By.ID, "log-pause").click()
        a.shoot(driver, "containers-logs")

        driver.get(container_url + "/stats")
        a.check(wait_until(lambda: driver.find_element(By.CSS_SELECTOR, "[data-stat=cpu]").text not in ("", "–")), "CPU stats move")
        a.check(wait_until(lambda: "MiB" in driver.find_element(By.CSS_SELECTOR, "[data-stat=memory]").text
                           or "KiB" in driver.find_element(By.CSS_SELECTOR, "[data-stat=memory]").text), "memory is shown")
        time.sleep(2.5)
        a.shoot(driver, "containers-stats")

        driver.get(container_url)
        click(driver, f"form[action='{container_url[len(base):]}/stop'] button")
        a.check(f"{name} stopped." in a.text(driver), "stop, with a flash")
        click(driver, f"form[action='{container_url[len(base):]}/start'] button")
        a.check(f"{name} started." in a.text(driver), "start again")
        click(driver, f"form[action='{container_url[len(base):]}/restart'] button")
        a.check(f"{name} restarted." in a.text(driver), "restart")
        driver.get(base + "/hosts/1/containers")
        a.check(name in a.text(driver), "the list shows the container")
        a.shoot(driver, "containers-list")
        driver.get(container_url)
        click(driver, "form[action$='/remove'] button")
        a.check("Remove" in a.text(driver) and name in a.text(driver), "remove asks first")
        a.shoot(driver, "containers-confirm")
        driver.find_element(By.ID, "confirm-force").click()
        click(driver, "form button.danger")
        a.check(f"{name} removed." in a.text(driver), "removed, back on the list")

        sign_in(driver, base, "admin")
        driver.get(base + "/audit?action=container.")
        audit = a.text(driver)
        for action in ("container.create", "container.start", "container.stop", "container.restart", "container.remove"):
            a.check(action in audit, f"the audit history shows {action}")
        a.check("olga" in audit, "with the operator as actor")
        a.shoot(driver, "containers-audit")

        # A viewer: no action buttons on the pages, 403 from the API.
        status, body = api(base, viewer_token, "GET", "/api/v1/hosts/1/containers?all=true")
        a.check(status == 200, "the viewer lists containers through the API")
        some = next(iter(json.loads(body)["containers"]), None)
        if some:
            sign_in(driver, base, "vic")
            driver.get(base + f"/hosts/1/containers/{some['id']}")
            a.check(not driver.find_elements(By.CSS_SELECTOR, ".container-actions form"), "a viewer sees no action buttons")
            a.shoot(driver, "containers-viewer")
            status, _ = api(base, viewer_token, "POST", f"/api/v1/hosts/1/containers/{some['id']}/stop")
            a.check(status == 403, "the viewer's stop is refused with 403")
        a.check_no_csp_violations(driver)
    finally:
        subprocess.run(["/usr/bin/docker", "-H", engine_a, "rm", "-f", name], capture_output=True)
        a.stop(driver, server, data_dir)


if __name__ == "__main__":
    sys.exit(a.main(run, "browser (containers)"))
