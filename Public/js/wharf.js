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

  for (const form of document.querySelectorAll("form[data-upload]")) uploadWithProgress(form);

  const live = document.querySelector("[data-live]");
  if (!live) return;
  const kind = live.getAttribute("data-live-kind");
  if (kind === "logs") followLogs(live);
  else if (kind === "stats") followStats(live);
  else if (kind === "events") followEvents(live);
  else if (kind === "dashboard") followDashboard(live);
  else if (kind === "job") followJob(live);
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

// A job's output: lines, build steps (the current one marked, the failing one too), one bar per
// layer and the overall bar, the upload's progress, the error, the result, and the end. The
// server folds the engine's messages; each event here only updates what it names. The browser
// resumes after a lost connection with Last-Event-ID, so nothing is missed or repeated.
function followJob(card) {
  const lines = card.querySelector(".job-lines");
  const steps = card.querySelector(".job-steps");
  const layers = card.querySelector(".layers-table tbody");
  const maxLines = 20000;
  const show = (selector, visible) => { const element = card.querySelector(selector); if (element) element.hidden = !visible; };
  const addLine = (kind, text) => {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = text; // text, never markup
    lines.appendChild(item);
    while (lines.childElementCount > maxLines) lines.firstElementChild.remove();
    lines.scrollTop = lines.scrollHeight;
  };
  const markStep = (failed) => {
    if (!steps || !steps.lastElementChild) return;
    for (const item of steps.children) { item.classList.remove("current"); item.removeAttribute("aria-current"); }
    if (failed) steps.lastElementChild.classList.add("failed");
    else { steps.lastElementChild.classList.add("current"); steps.lastElementChild.setAttribute("aria-current", "step"); }
  };
  const setStatus = (status) => {
    const badge = document.querySelector(".job-status");
    if (!badge) return;
    badge.textContent = status;
    const classes = { succeeded: "ok", failed: "danger", cancelled: "warn", interrupted: "warn" };
    badge.className = "badge job-status " + (classes[status] || "info");
  };
  openStream(card, card.getAttribute("data-live"), {
    line: (event) => addLine("line", event.data),
    step: (event) => {
      const step = JSON.parse(event.data);
      addLine("step", `Step ${step.number}/${step.total} : ${step.text}`);
      if (!steps) return;
      const item = document.createElement("li");
      item.dataset.step = step.number;
      const number = document.createElement("span");
      number.className = "step-number";
      number.textContent = `${step.number}/${step.total}`;
      const code = document.createElement("code");
      code.textContent = step.text;
      item.append(number, " ", code);
      steps.appendChild(item);
      markStep(false);
    },
    layer: (event) => {
      const layer = JSON.parse(event.data);
      if (!layers) return;
      let row = layers.querySelector(`tr[data-layer="${CSS.escape(layer.id)}"]`);
      if (!row) {
        row = document.createElement("tr");
        row.dataset.layer = layer.id;
        const id = document.createElement("td");
        const code = document.createElement("code");
        code.textContent = layer.id;
        id.appendChild(code);
        const status = document.createElement("td");
        status.className = "layer-status";
        const bar = document.createElement("td");
        bar.className = "bar-cell";
        const progress = document.createElement("progress");
        progress.max = 100;
        progress.setAttribute("aria-label", "Layer " + layer.id);
        bar.appendChild(progress);
        row.append(id, status, bar);
        layers.appendChild(row);
      }
      row.dataset.phase = layer.phase;
      const status = row.querySelector(".layer-status");
      status.textContent = layer.status + " ";
      const detail = document.createElement("span");
      detail.className = "muted small-text layer-detail";
      detail.textContent = layer.detail;
      status.appendChild(detail);
      row.querySelector("progress").value = Math.round(layer.percent);
      const overall = card.querySelector(".overall-bar");
      if (overall) overall.value = Math.round(layer.overall);
      const overallText = card.querySelector(".overall-text");
      if (overallText) overallText.textContent = Math.round(layer.overall) + " %";
    },
    upload: (event) => {
      const upload = JSON.parse(event.data);
      card.querySelector(".job-upload-bytes").textContent = formatBytes(upload.bytes);
      show(".job-upload", true);
    },
    error: (event) => {
      addLine("error", event.data);
      card.querySelector(".job-error").textContent = event.data;
      show(".job-error", true);
      markStep(true);
    },
    result: (event) => {
      const result = JSON.parse(event.data);
      const id = (result.imageId || "").replace("sha256:", "").slice(0, 12);
      const box = card.querySelector(".job-result");
      box.textContent = "Image ";
      const code = document.createElement("code");
      code.textContent = id;
      box.appendChild(code);
      for (const tag of result.tags || []) {
        const name = document.createElement("code");
        name.textContent = tag;
        box.append(" ", name);
      }
      show(".job-result", true);
    },
    end: (event, stream, say) => {
      stream.close();
      const end = JSON.parse(event.data);
      setStatus(end.status);
      if (end.status !== "succeeded") markStep(true);
      else if (steps) for (const item of steps.children) { item.classList.remove("current"); item.removeAttribute("aria-current"); }
      const cancel = document.querySelector(".job-cancel");
      if (cancel) cancel.hidden = true;
      const reason = end.message ? " — " + end.message.replace(/\.$/, "") : "";
      say("This job ended: " + end.status + reason + ".");
    },
  });
}

// "12.3 MiB", as the pages write sizes.
function formatBytes(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return (unit === 0 ? value.toFixed(0) : value.toFixed(1)) + " " + units[unit];
}

// Upload forms (build, load, import): with a file chosen, the file goes as the raw request body
// (the other fields in the query), so the browser reports upload progress and the server reads
// the archive as it arrives. A typed Dockerfile too long for the address goes with the file as
// multipart instead (also with progress). Without a file, or without script, the form submits
// as usual. The server answers with the job, whose page then follows the build.
function uploadWithProgress(form) {
  const field = form.querySelector(`input[type=file][name="${form.getAttribute("data-upload")}"]`);
  const box = form.querySelector(".upload-progress");
  const bar = form.querySelector(".upload-progress progress");
  const text = form.querySelector(".upload-text");
  const failure = form.querySelector(".upload-error");
  form.addEventListener("submit", (event) => {
    if (!field || !field.files || field.files.length === 0 || !window.XMLHttpRequest) return;
    event.preventDefault();
    const file = field.files[0];
    const action = new URL(form.action, window.location.href);
    // The token goes in a header (raw body) or as the form's first part (multipart), never in the URL.
    const csrfField = form.querySelector("input[name=csrf]");
    const csrf = csrfField ? csrfField.value : "";
    const data = new FormData(form);
    const query = new URLSearchParams(action.search);
    for (const [name, value] of data.entries()) {
      if (name !== "csrf" && typeof value === "string" && value !== "") query.append(name, value);
    }
    const raw = query.toString().length < 6000;
    const request = new XMLHttpRequest();
    request.open("POST", raw ? action.pathname + "?" + query.toString() : form.action);
    request.setRequestHeader("Accept", "application/json");
    request.setRequestHeader("X-CSRF-Token", csrf);
    if (raw) {
      request.setRequestHeader("Content-Type", "application/x-tar");
      request.setRequestHeader("X-File-Name", file.name.replace(/[^\x20-\x7e]/g, "_"));
    }
    for (const button of form.querySelectorAll("button")) button.disabled = true;
    box.hidden = false;
    failure.hidden = true;
    request.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      bar.value = Math.round((progress.loaded / progress.total) * 100);
      text.textContent = formatBytes(progress.loaded) + " of " + formatBytes(progress.total);
    });
    request.upload.addEventListener("load", () => { text.textContent = "Uploaded; waiting for the engine…"; });
    request.addEventListener("load", () => {
      let answer = null;
      try { answer = JSON.parse(request.responseText); } catch (error) { answer = null; }
      if (request.status === 202 && answer && answer.job) {
        window.location.assign(answer.job.url);
        return;
      }
      for (const button of form.querySelectorAll("button")) button.disabled = false;
      box.hidden = true;
      failure.textContent = (answer && answer.error && answer.error.message) || ("The upload failed (" + request.status + ").");
      failure.hidden = false;
    });
    request.addEventListener("error", () => {
      for (const button of form.querySelectorAll("button")) button.disabled = false;
      failure.textContent = "The connection broke during the upload; nothing was built. Try again.";
      failure.hidden = false;
    });
    request.send(raw ? file : data);
  });
}
