// The consoles of an entry page: htmx sends them (and console-stream.js streams); this
// script adds what a reader needs around that: feedback while sending, Ctrl/⌘-Enter,
// the Body field for a method that takes one, Restore request, "Show all" for a long
// body, the captured values (copy, and shown again after a reload), each console's
// history (in this browser only) and a link that opens a console filled in, unsent.
(function () {
  "use strict";

  var METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
  var TAKES_BODY = { POST: true, PUT: true, PATCH: true };
  var HISTORY_SIZE = 10;
  var MAX_SHARED = 8000; // characters a shared link may fill a console with
  var narrow = window.matchMedia("(max-width: 48rem)");

  function slug() {
    var vars = document.querySelector(".try-bar .console-vars");
    return vars ? vars.id.replace(/^vars-/, "") : "";
  }

  function consoleOf(element) {
    return element && element.closest ? element.closest("section.console") : null;
  }

  function field(section, name) {
    return section.querySelector("[name=" + name + "]");
  }

  function store(key, value) {
    try {
      if (value === null) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch (e) { /* private browsing: nothing is kept */ }
  }

  function stored(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }

  // The Body field: shown for a method that takes a body, hidden again for one that
  // does not (unless something was typed in it).
  function showBody(section) {
    var body = section.querySelector(".console-body");
    var method = field(section, "method");
    if (!body || !method) return;
    var text = field(section, "body");
    body.hidden = !TAKES_BODY[method.value] && !(text && text.value.trim());
  }

  function request(section) {
    var get = function (name) { var f = field(section, name); return f ? f.value : ""; };
    return { method: get("method"), path: get("path"), headers: get("headers"), body: get("body") };
  }

  function fill(section, values) {
    ["method", "path", "headers", "body"].forEach(function (name) {
      var f = field(section, name);
      if (f && typeof values[name] === "string") f.value = values[name];
    });
    var headers = section.querySelector(".console-headers");
    if (headers && values.headers) headers.open = true;
    showBody(section);
  }

  // History: what each console sent, newest first, in this browser only.
  function historyKey(section) {
    return "kb-history:" + slug() + ":" + section.getAttribute("data-console");
  }

  function history(section) {
    try { return JSON.parse(stored(historyKey(section)) || "[]"); } catch (e) { return []; }
  }

  function remember(section) {
    var sent = request(section);
    var kept = history(section).filter(function (old) { return JSON.stringify(old) !== JSON.stringify(sent); });
    kept.unshift(sent);
    store(historyKey(section), JSON.stringify(kept.slice(0, HISTORY_SIZE)));
    showHistory(section);
  }

  function showHistory(section) {
    var box = section.querySelector(".history");
    if (!box) return;
    var list = box.querySelector(".history-list");
    var kept = history(section);
    box.hidden = !kept.length;
    box.querySelector("summary").textContent = "History (" + kept.length + ")";
    list.textContent = "";
    kept.forEach(function (old, at) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "resend";
      button.setAttribute("data-at", String(at));
      button.textContent = old.method + " " + old.path;
      button.title = "Send again" + (old.headers ? "\n" + old.headers : "") + (old.body ? "\n\n" + old.body : "");
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  // A shared link: #try=N&method=…&path=…&headers=…&body=… (a fragment, so that the server
  // never sees it and the page stays the cached one). It fills console N; Send runs it.
  function shareLink(section) {
    var values = request(section);
    var parts = ["try=" + section.getAttribute("data-console")];
    ["method", "path", "headers", "body"].forEach(function (name) {
      if (values[name]) parts.push(name + "=" + encodeURIComponent(values[name]));
    });
    return location.origin + location.pathname + "#" + parts.join("&");
  }

  function note(section, text, problem) {
    var tools = section.querySelector(".console-tools");
    var p = tools.querySelector(".share-note");
    if (!p) {
      p = document.createElement("p");
      p.className = "share-note";
      p.setAttribute("role", "status");
      tools.appendChild(p);
    }
    p.classList.toggle("problem", !!problem);
    p.textContent = text;
  }

  function openShared() {
    if (location.hash.indexOf("#try=") !== 0) return;
    var params = new URLSearchParams(location.hash.slice(1));
    var number = params.get("try");
    var section = /^\d{1,3}$/.test(number) ? document.getElementById("try-" + number) : null;
    if (!section || !section.matches("section.console")) {
      var first = document.querySelector("section.console");
      if (first) {
        note(first, "The shared link names a request this page does not have (" + String(number).slice(0, 20) + "): it was ignored.", true);
        first.scrollIntoView();
      }
      return;
    }
    var values = {};
    var ignored = [];
    var method = (params.get("method") || "").toUpperCase();
    if (method && METHODS.indexOf(method) >= 0) values.method = method;
    else if (method) ignored.push("the method " + method.slice(0, 20));
    var path = params.get("path") || "";
    if (path && path.charAt(0) === "/" && path.charAt(1) !== "/" && !/\s/.test(path) && path.length <= 2000) values.path = path;
    else if (path) ignored.push("a path that is not one (it must start with a single /, with no spaces)");
    ["headers", "body"].forEach(function (name) {
      var value = params.get(name);
      if (value === null) return;
      if (value.length <= MAX_SHARED) values[name] = value;
      else ignored.push("the " + name + " (over " + MAX_SHARED + " characters)");
    });
    fill(section, values);
    var text = "Filled in from a shared link: nothing has been sent. Press Send to run it.";
    if (ignored.length) text += " Ignored " + ignored.join(", ") + ".";
    note(section, text, ignored.length > 0);
    section.scrollIntoView();
    var send = section.querySelector(".send");
    if (send) send.focus({ preventScroll: true });
  }

  function copy(text, button, label) {
    var say = function (words) {
      button.textContent = words;
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    window.kbCopyText(text).then(function (copied) {
      say(copied ? "Copied" : "Not copied");
      button.focus();
    });
  }

  // Captured values: a page loaded again asks the server for them while the reader's
  // sandbox lives; a mark in this browser says whether there were any to ask for.
  function valuesKey() { return "kb-captured:" + slug(); }

  function noteValues() {
    var vars = document.getElementById("vars-" + slug());
    if (vars) store(valuesKey(), vars.querySelector(".var") ? "1" : null);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var section = consoleOf(event.target);
    var form = section && section.querySelector("form.console-form");
    if (!form) return;
    event.preventDefault();
    var send = form.querySelector(".send");
    if (send && !send.disabled) form.requestSubmit(send);
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("section.console select.method")) showBody(consoleOf(event.target));
  });

  document.addEventListener("reset", function (event) {
    var section = consoleOf(event.target);
    if (!section) return;
    // The form's fields take their values back after this event: look after that.
    setTimeout(function () {
      showBody(section);
      var p = section.querySelector(".share-note");
      if (p) p.remove();
    }, 0);
  }, true);

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("button") : null;
    if (!target) return;
    var section = consoleOf(target);
    if (target.classList.contains("show-all")) {
      if (!target.getAttribute("data-label")) target.setAttribute("data-label", target.textContent);
      var open = target.previousElementSibling.classList.toggle("expanded");
      target.setAttribute("aria-expanded", String(open));
      target.textContent = open ? "Show less" : target.getAttribute("data-label");
    } else if (target.classList.contains("share") && section) {
      var link = shareLink(section);
      copy(link, target, "Copy link");
      note(section, "Link to this request, as it is now (nothing is sent until Send): " + link);
    } else if (target.classList.contains("resend") && section) {
      var old = history(section)[Number(target.getAttribute("data-at"))];
      if (!old) return;
      fill(section, old);
      var form = section.querySelector("form.console-form");
      form.requestSubmit(form.querySelector(".send"));
    } else if (target.classList.contains("var-copy")) {
      var value = target.parentNode.querySelector(".var-value");
      if (value) copy(value.getAttribute("data-value"), target, "Copy");
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var section = consoleOf(event.detail.elt);
    if (!section || !event.detail.elt.matches("form.console-form")) return;
    section.setAttribute("aria-busy", "true");
    remember(section);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var section = consoleOf(event.detail.elt);
    if (section) section.removeAttribute("aria-busy");
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    noteValues();
    var target = event.detail.target;
    if (!target || !target.classList.contains("console-result") || !narrow.matches) return;
    // On a phone the result lands below the fold: bring its status line into view.
    var box = target.getBoundingClientRect();
    if (box.top < 0 || box.top > window.innerHeight * 0.6) target.scrollIntoView({ block: "start" });
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("section.console").forEach(function (section) {
      showBody(section);
      showHistory(section);
      var share = section.querySelector(".share");
      if (share) share.hidden = false;
    });
    var name = slug();
    if (name && stored(valuesKey()) && window.htmx) {
      htmx.ajax("GET", "/try/" + name + "/values", { target: "#vars-" + name, swap: "innerHTML" });
    }
    openShared();
  });
  window.addEventListener("hashchange", openShared);
})();
