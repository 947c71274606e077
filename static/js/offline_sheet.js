// The month's sheet at a meeting without a signal. "Save" keeps the form on the phone first, then
// sends it; without a signal it stays saved, says so, and is sent once when the signal is back
// (or when the sheet is opened again). The server stays the judge: a month is posted once
// (its unique group and month), and a sheet sent for a month already posted is answered with
// what differs, which stays on screen until the treasurer has seen it. Once a sheet is sent,
// nothing of it is left on the phone: the saved form and the worker's copy of the page go.
// Without this script the form posts as a plain form. The words come from the page
// (jinja2/groups/_offline_sheet.jinja).
(function () {
  "use strict";
  var root = document.querySelector("[data-offline-sheet]");
  if (!root || !window.localStorage) return;
  var form = document.getElementById("sheet-form"); // none once the month is posted
  var url = root.getAttribute("data-url");
  var user = root.getAttribute("data-user");
  var KEY = "offline-sheet:" + url;
  var status = document.getElementById("offline-status");
  var tab = Math.random().toString(36).slice(2);
  var SEND_TIMEOUT = 45000; // a slow signal still gets its answer; a dead one is given up on
  var text = function (name) { return root.getAttribute("data-" + name); };
  // The page as the server sent it, before anything is typed: what the worker keeps of a first
  // visit, which it did not see pass (a second download would cost a slow phone as much again).
  var firstVisit = form && "serviceWorker" in navigator && !navigator.serviceWorker.controller;
  var page = firstVisit ? "<!doctype html>\n" + document.documentElement.outerHTML : null;

  function load() {
    try {
      var record = JSON.parse(localStorage.getItem(KEY));
      return record && record.user === user ? record : null;
    } catch (e) {
      return null;
    }
  }
  function store(record) { localStorage.setItem(KEY, JSON.stringify(record)); }

  function tellWorker(message) {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) registration.active.postMessage(message);
    });
  }

  function forget() {
    localStorage.removeItem(KEY);
    tellWorker({ type: "forget", url: url });
  }

  function savedAt(record) {
    var when = new Date(record.savedAt).toLocaleString(document.documentElement.lang || undefined, {
      day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    });
    return text("saved-at").replace("{time}", when);
  }

  function say(state, record) {
    status.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = text(state);
    status.appendChild(strong);
    if (record) {
      status.appendChild(document.createTextNode(" " + savedAt(record)));
      if (state === "waiting") status.appendChild(document.createTextNode(" " + text("will-send")));
    }
    status.setAttribute("data-state", state);
    status.hidden = false;
  }

  function showDifferences(record) {
    var panel = document.getElementById("offline-differences");
    var rows = document.getElementById("offline-differences-rows");
    rows.textContent = "";
    (record.differences || []).forEach(function (line) {
      var tr = document.createElement("tr");
      [line.name, line.phone || "—", line.posted || "—"].forEach(function (value, i) {
        var cell = document.createElement(i ? "td" : "th");
        if (i) cell.className = "money"; else cell.scope = "row";
        cell.textContent = value;
        tr.appendChild(cell);
      });
      rows.appendChild(tr);
    });
    document.getElementById("offline-differences-saved").textContent = savedAt(record);
    panel.hidden = false;
    status.hidden = true;
  }

  function fields() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") pairs.push([name, String(value)]);
    });
    return pairs;
  }

  function restore(record) {
    record.fields.forEach(function (pair) {
      var box = form.elements.namedItem(pair[0]);
      if (box && box.value !== pair[1]) {
        box.value = pair[1];
        box.dispatchEvent(new Event("input", { bubbles: true })); // the total follows (sheet.js)
      }
    });
  }

  // The token the CSRF cookie holds now: a page kept from before a new sign-in carries an old one.
  function csrfToken() {
    var cookie = document.cookie.split("; ").filter(function (c) { return c.indexOf("csrftoken=") === 0; })[0];
    if (cookie) return cookie.slice("csrftoken=".length);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // One tab sends at a time (two tabs, two "online" events): the browser's lock where there is
  // one, otherwise the "sending" mark in the saved record, for a minute at most.
  function withLock(work) {
    if (navigator.locks) {
      navigator.locks.request(KEY, { ifAvailable: true }, function (lock) {
        return lock ? new Promise(work) : null;
      });
      return;
    }
    var record = load();
    if (record && record.state === "sending" && record.by !== tab && Date.now() - record.since < 60000) return;
    work(function () {});
  }

  function send() {
    if (!navigator.onLine || !load()) return;
    withLock(function (done) {
      var record = load(); // read again: another tab may have sent it meanwhile
      if (!record || record.state === "conflict") return done();
      record.state = "sending";
      record.by = tab;
      record.since = Date.now();
      store(record);
      say("sending", record);
      var body = new URLSearchParams();
      record.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
      body.append("csrfmiddlewaretoken", csrfToken());
      var controller = window.AbortController ? new AbortController() : null;
      var timer = setTimeout(function () { if (controller) controller.abort(); }, SEND_TIMEOUT);
      fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) { return answered(response, record); })
        .catch(function () { waiting(record, "waiting"); })
        .then(function () { clearTimeout(timer); done(); });
    });
  }

  function waiting(record, state) {
    record.state = "waiting";
    store(record);
    say(state, record);
    if (form) form.querySelectorAll("[data-once]").forEach(function (b) { b.disabled = false; });
  }

  function answered(response, record) {
    if ((response.headers.get("Content-Type") || "").indexOf("application/json") !== 0) {
      // A sign-in page (the session ended while the phone waited), or an error page.
      waiting(record, response.redirected ? "signed-out" : "not-taken");
      return;
    }
    return response.json().then(function (answer) {
      if (answer.status === "posted" || answer.status === "already_posted") {
        forget();
        location.replace(answer.url); // the posted sheet, with the server's message
      } else if (answer.status === "conflict") {
        record.state = "conflict";
        record.differences = answer.differences;
        store(record);
        tellWorker({ type: "forget", url: url });
        location.replace(answer.url);
      } else if (answer.status === "invalid" && form) {
        // The form goes again as a plain form: the page comes back with each error by its box.
        record.state = "refused";
        store(record);
        restore(record);
        form.submit();
      } else {
        waiting(record, "not-taken");
      }
    });
  }

  // -- the page as it opens --------------------------------------------------------------------

  // The worker once the page has loaded: installing it, and keeping the page, take nothing from
  // the page's first paint on a slow phone.
  function startWorker() {
    navigator.serviceWorker.register(root.getAttribute("data-worker"), { scope: "/" }).catch(function () {});
    if (!form) return;
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "kept" && event.data.url === url) root.setAttribute("data-kept", "");
    });
    navigator.serviceWorker.startMessages();
    var files = [];
    document.querySelectorAll("link[href][rel=stylesheet], link[href][rel=preload], link[href][rel=icon], script[src]")
      .forEach(function (el) { files.push(el.href || el.src); });
    tellWorker({ type: "keep", url: url, files: files, page: page, policy: text("policy") });
  }
  if ("serviceWorker" in navigator) {
    if (document.readyState === "complete") startWorker();
    else window.addEventListener("load", startWorker);
  }

  var record = load();
  var refusedShown = record && record.state === "refused" && form && form.querySelector(".is-invalid, .alert-danger");
  if (refusedShown) {
    forget(); // the server's page shows these figures, each error by its box
  } else if (record && record.state === "conflict") {
    showDifferences(record);
  } else if (record) {
    if (form) restore(record);
    waiting(record, "waiting");
    send();
  }

  document.getElementById("offline-dismiss").addEventListener("click", function () {
    forget();
    document.getElementById("offline-differences").hidden = true;
  });

  window.addEventListener("online", send);
  // Another tab sent the saved sheet (or was told another phone posted first): show the month now.
  window.addEventListener("storage", function (event) {
    if (event.key !== KEY || status.hidden) return;
    var record = load();
    if (!record || record.state === "conflict") location.replace(url);
  });

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var saved = {
        user: user, url: url, savedAt: Date.now(), fields: fields(), state: "waiting",
      };
      store(saved); // first, so that nothing typed is lost whatever happens next
      if (navigator.onLine) send();
      else waiting(saved, "waiting");
    });
  }
})();
