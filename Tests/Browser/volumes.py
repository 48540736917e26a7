#!/usr/bin/python3
"""Browser test of volumes, networks, live events and a host's system page: a real `wharf serve`
(temporary data directory) driven by headless Chromium through Selenium, against the fleet's
engine A.

It registers engine A, creates a volume (after a refused name) and an internal network from their
forms, opens the host's live events page, and, while another client (the API, with a token from
`wharf token create`) creates a container that uses the volume on the network, starts it, lets it
exit and removes it, watches create, start, die and destroy arrive; pauses the page and sees an
event held, then shown on resume; previews and confirms a volume prune; shows the system page and
a host-wide prune preview. Names and labels carry <img src=x onerror=alert(1)>, shown as text.
Screenshots at 1280 and 390 px, light and dark, into .build/screenshots/ (volumes-*.png).

Needs the fleet's environment: eval "$(deploy/dev/fleet.sh env)". Helpers come from accounts.py.
Usage: Tests/Browser/volumes.py [path/to/wharf]   (default .build/debug/wharf, or $WHARF_BIN)
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request

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


class API:
    """Another client: Wharf's /api/v1 with a bearer token."""

    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + "/api/v1" + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, (json.loads(raw) if raw else None)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


def wait_until(condition, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def events_text(driver):
    return driver.find_element(By.CSS_SELECTOR, ".event-card .event-list").text


def run(binary):
    engine_a = env("WHARF_TEST_ENGINE_A")
    image = env("WHARF_TEST_IMAGE_BUSYBOX")
    os.makedirs(a.SHOTS, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="wharf-browser-volumes-")
    server, base, setup_url = a.start_server(binary, data_dir)
    driver = a.make_driver()
    wait = WebDriverWait(driver, 15)
    suffix = str(random.randrange(10**8))
    volume, network = f"wharf-bv-{suffix}", f"{XSS}-bn-{suffix}"
    prefix = f"10.{random.randrange(231, 251)}.{random.randrange(1, 255)}"
    api = container = network_id = None
    try:
        driver.set_window_size(1280, 900)
        driver.get(setup_url)
        a.fill(driver, {"username": "admin", "password": a.PASSWORD, "confirm": a.PASSWORD})
        wait.until(EC.url_to_be(base + "/"))
        driver.get(base + "/hosts/new")
        a.fill(driver, {"name": "engine-a", "url": engine_a})
        wait.until(EC.url_contains("done=created"))
        host = driver.current_url.split("?")[0]
        token = subprocess.run(
            [binary, "token", "create", "--username", "admin", "--name", "browser-test", "--data-dir", data_dir, "--resources", a.ROOT],
            check=True, capture_output=True, text=True).stdout.split()[-1]
        api = API(base, token)

        # A volume: a refused name first, shown as text next to its field.
        driver.get(host + "/volumes/new")
        a.fill(driver, {"name": XSS, "labels": f"note={XSS}"})
        a.check("A local volume's name is" in a.text(driver), "the form names what is wrong with the name")
        a.check(driver.find_element(By.NAME, "name").get_attribute("value") == XSS, "the typed name is kept, as text")
        a.shoot(driver, "volumes-new-error")
        a.fill(driver, {"name": volume, "labels": f"note={XSS}\nwharf.browser={suffix}"})
        wait.until(EC.url_contains("/volumes/" + volume))
        a.check(f"Volume {volume} created." in a.text(driver), "the volume page confirms the creation")
        a.check(f"note={XSS}" in a.text(driver), "the label is shown as text")
        a.shoot(driver, "volumes-show")

        # An internal network with its own subnet (the fleet's engines have no default bridge).
        driver.get(host + "/networks/new")
        a.fill(driver, {"name": network, "subnet": f"{prefix}.0/24", "gateway": f"{prefix}.1", "labels": f"note={XSS}"}, submit=False)
        driver.find_element(By.ID, "n-internal").click()
        a.shoot(driver, "volumes-network-new")
        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form.network-form button[type='submit']").click()
        WebDriverWait(driver, 15).until(a.page_left(old))
        a.check("/networks/" in driver.current_url and network in a.text(driver), "the network page shows the new network by name, as text")
        network_id = driver.current_url.rstrip("/").split("/")[-1]
        a.shoot(driver, "volumes-network-show")

        # The live events page, while another client acts.
        driver.get(host + "/events")
        a.check(wait_until(lambda: "live" in driver.find_element(By.CSS_SELECTOR, ".host-states").text), "the page follows the engine live")
        status, created = api.call("POST", "/hosts/1/containers", {
            "image": image, "name": f"wharf-bc-{suffix}", "command": ["sh", "-c", "echo hello > /data/hello; sleep 1"],
            "network": network_id, "labels": {"note": XSS}, "start": True,
            "mounts": [{"type": "volume", "source": volume, "target": "/data"}]})
        a.check(status == 201, f"the other client created and started a container ({status} {created})")
        container = (created or {}).get("id", "")
        a.check(wait_until(lambda: "container start" in events_text(driver)), "start arrives live")
        a.check(wait_until(lambda: "container die" in events_text(driver), 30), "die arrives live")
        a.check(api.call("DELETE", f"/hosts/1/containers/{container}")[0] == 204, "the other client removed the container")
        a.check(wait_until(lambda: "container destroy" in events_text(driver)), "destroy arrives live")
        shown = events_text(driver)
        for action in ("create", "start", "die", "destroy"):
            a.check(f"container {action}" in shown, f"{action} is on the page")
        a.check(f"note={XSS}" in shown, "labels in events are text")
        link = driver.find_element(By.CSS_SELECTOR, ".event-card .event-list a")
        a.check(link.get_attribute("href").startswith(base + "/hosts/"), "events link to their objects")
        a.shoot(driver, "volumes-events")

        driver.find_element(By.ID, "event-pause").click()
        a.check(api.call("POST", "/hosts/1/volumes", {"name": f"{volume}-held"})[0] == 201, "another volume is created while paused")
        a.check(wait_until(lambda: "1 new event held" in driver.find_element(By.CSS_SELECTOR, ".event-held").text), "the paused page holds the event")
        a.check(f"{volume}-held" not in events_text(driver), "held events are not shown yet")
        driver.find_element(By.ID, "event-pause").click()
        a.check(f"{volume}-held" in events_text(driver), "resuming shows the held event")
        api.call("DELETE", f"/hosts/1/volumes/{volume}-held")

        driver.get(base + "/events")
        a.check(wait_until(lambda: "live" in driver.find_element(By.CSS_SELECTOR, ".host-states").text), "the page across hosts follows too")
        a.check(wait_until(lambda: "container destroy" in events_text(driver)), "it shows the recent events of every host")
        a.shoot(driver, "volumes-events-all")

        # The list with the volume in it, sizes measured.
        driver.get(host + f"/volumes?label=wharf.browser={suffix}&size=1")
        a.check(volume in a.text(driver), "the list shows the volume")
        a.shoot(driver, "volumes-list-sizes")

        # Prune with a preview: the volume is unused now that its container is gone.
        driver.get(host + f"/prune/volumes?label=wharf.browser={suffix}")
        a.check(volume in a.text(driver) and "would be removed" in a.text(driver), "the preview lists the volume")
        a.shoot(driver, "volumes-prune")
        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form[action$='/prune/volumes'][method='post'] button.danger").click()
        WebDriverWait(driver, 15).until(a.page_left(old))
        a.check("Removed 1 unused volume" in a.text(driver), "the prune removed exactly the previewed volume")
        a.shoot(driver, "volumes-list")

        driver.get(host + "/networks")
        a.shoot(driver, "volumes-networks")
        driver.get(host + "/system")
        a.check("Disk use" in a.text(driver) and "Docker Engine" in a.text(driver), "the system page shows versions and disk use")
        a.shoot(driver, "volumes-system")
        driver.get(host + "/prune?part=networks&part=volumes")
        a.check(network in a.text(driver), "the host prune previews the unused network, as text")
        a.shoot(driver, "volumes-system-prune")
        a.check(api.call("DELETE", f"/hosts/1/networks/{network_id}")[0] == 204, "the network is removed")
        # The dashboard: another client creates, starts and removes a container; the host's
        # counts and the container's row follow the events, without a reload.
        dash = f"wharf-dash-{os.getpid()}"
        status, made = api.call("POST", "/hosts/1/containers", {
            "image": image, "command": ["sleep", "30"], "network": "none", "labels": {"wharf.browser": dash}})
        container = (made or {}).get("id", "")
        a.check(status == 201 and container, "another client creates a container")
        driver.get(base + f"/?all=1&label=wharf.browser={dash}")
        a.check(bool(driver.find_elements(By.CSS_SELECTOR, "[data-live-kind='dashboard'] tr[data-host-id]")), "the dashboard follows the hosts' events")
        a.check(wait_until(lambda: driver.execute_script(
            "return document.querySelector('.dashboard-live .live-status').textContent") == "Live."), "the dashboard's stream is open")
        count = lambda name: int(driver.find_element(By.CSS_SELECTOR, f"tr[data-host-id='1'] [data-count='{name}']").text)
        running, stopped = count("running"), count("stopped")
        row = f"[data-container-id='{container}']"
        a.check(driver.find_element(By.CSS_SELECTOR, row + " .badge").text == "created", "the new container is listed, created")
        a.check(api.call("POST", f"/hosts/1/containers/{container}/start")[0] == 204, "another client starts it")
        a.check(wait_until(lambda: count("running") == running + 1), "the host's running count moves live")
        a.check(count("stopped") == stopped - 1, f"and its stopped count ({stopped} before, {count('stopped')} now)")
        a.check(wait_until(lambda: driver.find_element(By.CSS_SELECTOR, row + " .badge").text == "running"), "the container row shows its new state")
        a.check(driver.find_element(By.CSS_SELECTOR, row + " [data-status]").text == "Up just now", "and the engine's words for it")
        a.check(api.call("POST", f"/hosts/1/containers/{container}/pause")[0] == 204, "another client pauses it")
        a.check(wait_until(lambda: driver.find_element(By.CSS_SELECTOR, "tr[data-host-id='1'] .count-paused").is_displayed()), "a paused count appears")
        a.shoot(driver, "volumes-dashboard-live")
        api.call("DELETE", f"/hosts/1/containers/{container}?force=true")
        a.check(wait_until(lambda: "gone" in driver.find_element(By.CSS_SELECTOR, row).get_attribute("class")), "a removed container is struck through")
        a.check(wait_until(lambda: not driver.find_element(By.CSS_SELECTOR, "tr[data-host-id='1'] .count-paused").is_displayed()), "and the paused count goes")
        driver.get(base + f"/?all=1&label=wharf.browser={dash}")
        a.check(not driver.find_elements(By.CSS_SELECTOR, row), "a reload lists it no more (the list followed the destroy event)")
        container = None
        errors = [entry["message"] for entry in driver.get_log("browser")
                  if entry.get("level") == "SEVERE" and "Failed to load resource" not in entry["message"]]
        a.check(not errors, f"no script errors: {errors}")
        network_id = None
        a.check_no_csp_violations(driver)
    finally:
        # What a failed run left on engine A goes before the server does.
        if api and container:
            api.call("DELETE", f"/hosts/1/containers/{container}?force=true")
        if api and network_id:
            api.call("DELETE", f"/hosts/1/networks/{network_id}")
        if api:
            for name in (volume, f"{volume}-held"):
                api.call("DELETE", f"/hosts/1/volumes/{name}")
        a.stop(driver, server, data_dir)


if __name__ == "__main__":
    sys.exit(a.main(run, "browser (volumes)"))
