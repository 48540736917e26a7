// Wharf's only script: progressive enhancement. Every page works without it, except the live
// parts (followed logs, stats, engine events), which need it. A page opens at most one EventSource (browsers
// allow six HTTP/1.1 connections per origin, and one tab must not use them up).
"use strict";

document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  // Forms marked data-confirm ask before doing something destructive; the server asks on a page
  // of its own unless the form says the browser already asked (confirm=1).
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const message = form.getAttribute("data-confirm");
    if (!message) return;
    if (!window.confirm(message)) {
      event.preventDefault();
      return;
    }
    if (!form.querySelector("input[name=confirm]")) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "confirm";
      input.value = "1";
      form.appendChild(input);
    }
  });

  const live = document.querySelector("[data-live]");
  if (!live) return;
  const kind = live.getAttribute("data-live-kind");
  if (kind === "logs") followLogs(live);
  else if (kind === "stats") followStats(live);
  else if (kind === "events") followEvents(live);
  else if (kind === "dashboard") followDashboard(live);
});

// Opens the page's one event stream; `handlers` maps event names to functions. The browser
// reconnects by itself after a network cut, sending Last-Event-ID, so nothing is lost.
function openStream(element, url, handlers) {
  const status = element.querySelector(".live-status");
  const say = (text) => { if (status) status.textContent = text; };
  const source = new EventSource(url);
  source.addEventListener("open", () => say("Live."));
  source.addEventListener("error", () => {
    say(source.readyState === EventSource.CLOSED ? "The live connection closed." : "Connection lost; reconnecting…");
  });
  for (const [name, handler] of Object.entries(handlers)) {
    source.addEventListener(name, (event) => handler(event, source, say));
  }
  return source;
}

function followLogs(card) {
  const list = card.querySelector(".log-lines");
  const search = card.querySelector("#log-search");
  const times = card.querySelector("#log-timestamps");
  const pause = card.querySelector("#log-pause");
  const end = card.querySelector(".log-end");
  const maxLines = 10000;
  let paused = false;
  let lastID = "";
  let source = null;

  const matches = (item) => {
    const needle = search && search.value.trim().toLowerCase();
    return !needle || item.dataset.text.toLowerCase().includes(needle);
  };
  const add = (event) => {
    const item = document.createElement("li");
    item.className = event.type;
    item.dataset.text = event.data;
    if (event.lastEventId) {
      lastID = event.lastEventId;
      const stamp = document.createElement("span");
      stamp.className = "ts";
      stamp.textContent = event.lastEventId + " ";
      item.appendChild(stamp);
    }
    // Text, never markup: whatever a container prints is shown as it is.
    item.appendChild(document.createTextNode(event.data));
    item.hidden = !matches(item);
    list.appendChild(item);
    while (list.childElementCount > maxLines) list.firstElementChild.remove();
    if (!paused) list.scrollTop = list.scrollHeight;
  };
  const start = () => {
    end.hidden = true;
    let url = card.getAttribute("data-live");
    if (lastID) url += (url.includes("?") ? "&" : "?") + "after=" + encodeURIComponent(lastID);
    source = openStream(card, url, {
      out: add,
      err: add,
      end: (event, stream, say) => {
        stream.close();
        say("Not following: the container stopped.");
        end.querySelector(".log-end-text").textContent = event.data;
        end.hidden = false;
      },
    });
  };

  if (search) search.addEventListener("input", () => { for (const item of list.children) item.hidden = !matches(item); });
  if (times) times.addEventListener("change", () => card.classList.toggle("show-times", times.checked));
  if (pause) pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    pause.textContent = paused ? "Resume scrolling" : "Pause scrolling";
    if (!paused) list.scrollTop = list.scrollHeight;
  });
  card.querySelector("#log-follow-again").addEventListener("click", start);
  start();
}

function followStats(card) {
  const keep = 60;
  const series = { cpu: [], memory: [], network: [], block: [] };
  let previous = null;
  const size = (bytes) => {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return (unit === 0 ? value.toFixed(0) : value.toFixed(1)) + " " + units[unit];
  };
  const show = (name, text) => { card.querySelector(`[data-stat=${name}]`).textContent = text; };
  const push = (name, value) => {
    series[name].push(value);
    if (series[name].length > keep) series[name].shift();
    draw(card.querySelector(`canvas[data-series=${name}]`), series[name]);
  };
  openStream(card, card.getAttribute("data-live"), {
    stats: (event) => {
      const sample = JSON.parse(event.data);
      const seconds = previous ? Math.max(0.001, (sample.time - previous.time) / 1000) : 1;
      const rate = (now, before) => (previous ? Math.max(0, now - before) / seconds : 0);
      if (sample.cpuPercent !== null && sample.cpuPercent !== undefined) {
        show("cpu", sample.cpuPercent.toFixed(1) + " %");
        push("cpu", sample.cpuPercent);
      }
      const used = sample.memoryUsage || 0;
      show("memory", size(used) + (sample.memoryLimit ? " / " + size(sample.memoryLimit) : ""));
      push("memory", used);
      const inRate = rate(sample.networkReceived, previous && previous.networkReceived);
      const outRate = rate(sample.networkSent, previous && previous.networkSent);
      show("network", size(inRate) + "/s in, " + size(outRate) + "/s out");
      push("network", inRate + outRate);
      const readRate = rate(sample.blockRead, previous && previous.blockRead);
      const writeRate = rate(sample.blockWritten, previous && previous.blockWritten);
      show("block", size(readRate) + "/s read, " + size(writeRate) + "/s written");
      push("block", readRate + writeRate);
      previous = sample;
    },
    end: (event, stream, say) => {
      stream.close();
      say(event.data);
    },
  });
}

// Engine events, newest first, from the hub's shared stream. Pause holds new events (none is
// lost) until Resume; gaps the engine could not replay are marked in the list; each host's state
// (live, reconnecting) is shown above it.
function followEvents(card) {
  const list = card.querySelector(".event-list");
  const pause = card.querySelector("#event-pause");
  const held = card.querySelector(".event-held");
  const states = card.querySelector(".host-states");
  const showHost = list.getAttribute("data-show-host") === "1";
  const maxItems = 1000;
  let paused = false;
  let queue = [];

  const chip = (text, className) => {
    const span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  };
  const time = (milliseconds) => {
    const stamp = document.createElement("time");
    stamp.className = "event-time";
    const date = new Date(milliseconds);
    stamp.dateTime = date.toISOString();
    stamp.textContent = date.toLocaleTimeString();
    return stamp;
  };
  const badge = (event) => {
    const bad = ["die", "kill", "oom", "destroy", "delete", "untag"];
    const good = ["start", "create", "pull", "connect", "mount", "unpause"];
    const warn = ["stop", "pause", "disconnect", "unmount", "restart"];
    const kind = bad.includes(event.action) ? "danger" : good.includes(event.action) ? "ok" : warn.includes(event.action) ? "warn" : "info";
    return chip(event.type + " " + event.action, "badge " + kind);
  };
  // Everything inserted is text: names, labels and attributes are shown as they are.
  const eventItem = (event) => {
    const item = document.createElement("li");
    item.className = "event";
    item.dataset.type = event.type;
    item.dataset.action = event.action;
    item.appendChild(time(Math.floor(event.timeNano / 1e6)));
    item.append(" ");
    if (showHost) { item.appendChild(chip(event.hostName, "event-host muted")); item.append(" "); }
    item.appendChild(badge(event));
    item.append(" ");
    if (event.url && event.url.startsWith("/")) {
      const link = document.createElement("a");
      link.href = event.url;
      link.textContent = event.name;
      item.appendChild(link);
    } else {
      item.appendChild(chip(event.name, "event-name"));
    }
    const keys = Object.keys(event.attributes || {}).filter((key) => key !== "name").sort();
    if (keys.length) {
      const labels = chip("", "labels");
      for (const key of keys) labels.appendChild(chip(key + "=" + event.attributes[key], "label-chip"));
      item.append(" ");
      item.appendChild(labels);
    }
    return item;
  };
  const gapItem = (gap) => {
    const item = document.createElement("li");
    item.className = "event gap";
    const when = gap.from && gap.to
      ? "between " + new Date(gap.from).toLocaleTimeString() + " and " + new Date(gap.to).toLocaleTimeString()
      : "";
    item.textContent = (showHost ? gap.hostName + ": " : "") + "Events " + when + " may be missing. " + gap.reason;
    return item;
  };
  const show = (item) => {
    list.insertBefore(item, list.firstChild);
    while (list.childElementCount > maxItems) list.lastElementChild.remove();
  };
  const add = (item) => {
    if (paused) {
      queue.push(item);
      held.textContent = queue.length + " new event" + (queue.length === 1 ? "" : "s") + " held";
    } else {
      show(item);
    }
  };
  const hostState = (status) => {
    let entry = states.querySelector(`[data-host="${CSS.escape(String(status.hostId))}"]`);
    if (!entry) {
      entry = document.createElement("li");
      entry.dataset.host = String(status.hostId);
      states.appendChild(entry);
    }
    entry.textContent = "";
    entry.appendChild(chip(status.state, "badge " + (status.state === "live" ? "ok" : status.state === "stopped" ? "muted" : "warn")));
    entry.append(" " + status.hostName + ": " + status.message);
  };

  if (pause) pause.addEventListener("click", () => {
    paused = !paused;
    pause.setAttribute("aria-pressed", String(paused));
    pause.textContent = paused ? "Resume" : "Pause";
    if (!paused) {
      for (const item of queue) show(item);
      queue = [];
      held.textContent = "";
    }
  });
  openStream(card, card.getAttribute("data-live"), {
    engine: (event) => add(eventItem(JSON.parse(event.data))),
    gap: (event) => add(gapItem(JSON.parse(event.data))),
    status: (event) => hostState(JSON.parse(event.data)),
    end: (event, stream, say) => say(event.data),
  });
}

// The dashboard, live from the hosts' container events (the hub's shared streams, no polling;
// the stream starts where the page was drawn, so nothing is counted twice): a container row
// (`[data-container-id]`) takes its new state, and a host's counts
// (`[data-host-id] [data-count=running|paused|stopped]`, each holding a number) move from the
// container's previous state to its new one. A reload shows the engines' own figures again.
function followDashboard(root) {
  const states = { start: "running", restart: "running", unpause: "running", pause: "paused", die: "exited", create: "created", destroy: "gone" };
  const badges = { running: "ok", paused: "warn", exited: "muted", created: "info", dead: "danger" };
  const buckets = { running: "running", paused: "paused", created: "stopped", exited: "stopped", dead: "stopped" };
  // Before an event, when this page has not seen the container yet (nor lists it).
  const before = { start: "exited", restart: "running", unpause: "paused", pause: "running", die: "running", destroy: "exited" };
  const known = new Map();
  const bump = (host, name, delta) => {
    if (!name) return;
    for (const cell of root.querySelectorAll(`[data-host-id="${CSS.escape(String(host))}"] [data-count="${name}"]`)) {
      const value = parseInt(cell.textContent, 10);
      if (Number.isNaN(value)) continue;
      const next = Math.max(0, value + delta);
      cell.textContent = String(next);
      // A count shown only when not zero (paused) appears and disappears with it.
      const holder = cell.closest(".count-paused");
      if (holder) holder.hidden = next === 0;
    }
  };
  // The engine's words for the new state, until the next load brings its own ("Up 5 minutes").
  const words = (action, attributes) => action === "die" ? `Exited (${attributes.exitCode || "?"}) just now`
    : action === "pause" ? "Up (Paused)" : action === "create" ? "Created" : "Up just now";
  openStream(root, root.getAttribute("data-live"), {
    engine: (message) => {
      const event = JSON.parse(message.data);
      if (event.type !== "container") return;
      const state = states[event.action];
      if (!state) return;
      const rows = root.querySelectorAll(`[data-container-id="${CSS.escape(event.actorId)}"]`);
      const key = event.hostId + "/" + event.actorId;
      const previous = known.get(key) || (rows[0] && rows[0].dataset.state) || before[event.action];
      if (previous !== state) {
        bump(event.hostId, buckets[previous], -1);
        bump(event.hostId, buckets[state], 1);
      }
      if (state === "gone") known.delete(key); else known.set(key, state);
      for (const row of rows) {
        if (state === "gone") { row.classList.add("gone"); continue; }
        row.dataset.state = state;
        const badge = row.querySelector(".badge");
        if (badge) {
          badge.textContent = state;
          badge.className = "badge " + (state === "exited" && event.attributes.exitCode && event.attributes.exitCode !== "0" ? "danger" : badges[state]);
        }
        const status = row.querySelector("[data-status]");
        if (status) status.textContent = words(event.action, event.attributes || {});
      }
    },
  });
}

// A sparkline of `values` on `canvas`, in the page's accent colour.
function draw(canvas, values) {
  if (!canvas || !canvas.getContext) return;
  const context = canvas.getContext("2d");
  const width = canvas.width;
  const height = canvas.height;
  context.clearRect(0, 0, width, height);
  if (values.length < 2) return;
  const max = Math.max(...values, 1e-9);
  context.strokeStyle = getComputedStyle(canvas).color;
  context.lineWidth = 2;
  context.beginPath();
  values.forEach((value, index) => {
    const x = (index / (values.length - 1)) * (width - 2) + 1;
    const y = height - 2 - (value / max) * (height - 4);
    if (index === 0) context.moveTo(x, y); else context.lineTo(x, y);
  });
  context.stroke();
}
