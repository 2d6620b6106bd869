// A console's response shown while it streams (the server side is kb/web/trylive.py).
// htmx still sends the console's form and swaps in the final result; this script sends
// the form to /try/{slug}/live instead of /try/{slug}, and when the answer is an event
// stream of the example's response arriving piece by piece, it fills the console's
// result area with the pieces as they come. Any other answer is htmx's to handle, as
// it always was.
(function () {
  "use strict";

  var CONSOLE = /^\/try\/[^\/?#]+$/;
  var LIVE = /^\/try\/[^\/?#]+\/live$/;
  var watched = new WeakMap(); // XMLHttpRequest -> what was read of it so far

  function isEventStream(xhr) {
    return /^text\/event-stream/i.test(xhr.getResponseHeader("Content-Type") || "");
  }

  function sizeText(size) {
    if (size < 1024) return size + (size === 1 ? " byte" : " bytes");
    if (size < 1024 * 1024) return (size / 1024).toFixed(1) + " KiB";
    return (size / 1024 / 1024).toFixed(1) + " MiB";
  }

  // Keep the newest piece in view, unless the reader scrolled up to read an older one.
  function append(box, html) {
    var atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
    box.insertAdjacentHTML("beforeend", html);
    if (atEnd) box.scrollTop = box.scrollHeight;
  }

  function show(state, name, message) {
    var target = state.target;
    if (name === "start") {
      target.setAttribute("aria-busy", "true"); // announced once, when it is complete
      target.innerHTML = message.html;
      return;
    }
    if (name === "result") {
      state.result = message;
      return;
    }
    var live = target.querySelector(".stream-live");
    if (!live) return;
    var box = live.querySelector(name === "events" ? ".sse-events" : ".stream-text");
    if (box && message.html) append(box, message.html);
    var size = live.querySelector(".stream-bytes");
    if (size) size.textContent = sizeText(message.size) + " received in " + Math.round(message.ms) + " ms";
  }

  // Our own events: "event:" and one "data:" line of JSON, a blank line after each.
  function read(state) {
    var xhr = state.xhr;
    if (!isEventStream(xhr)) return;
    var text = xhr.responseText;
    var lines = (state.rest + text.slice(state.offset)).split("\n");
    state.offset = text.length;
    state.rest = lines.pop(); // an unfinished line waits for the rest of it
    lines.forEach(function (line) {
      if (line === "") {
        if (state.data) show(state, state.event, JSON.parse(state.data));
        state.event = "";
        state.data = "";
      } else if (line.indexOf("event: ") === 0) {
        state.event = line.slice(7);
      } else if (line.indexOf("data: ") === 0) {
        state.data = line.slice(6);
      }
    });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (CONSOLE.test(event.detail.path)) event.detail.path += "/live";
  });

  document.addEventListener("htmx:beforeSend", function (event) {
    var detail = event.detail;
    if (!detail.xhr || !detail.requestConfig || !LIVE.test(detail.requestConfig.path)) return;
    var state = { xhr: detail.xhr, target: detail.target, offset: 0, rest: "", event: "", data: "", result: null };
    watched.set(detail.xhr, state);
    detail.xhr.addEventListener("progress", function () { read(state); });
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var state = xhr && watched.get(xhr);
    if (!state || !isEventStream(xhr)) return;
    read(state);
    var result = state.result;
    event.detail.shouldSwap = true;
    event.detail.isError = !result || result.status >= 400;
    event.detail.serverResponse = result ? result.html :
      '<div class="console-error" role="alert">The response stopped before its end: send the request again.</div>';
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var state = xhr && watched.get(xhr);
    if (state) state.target.removeAttribute("aria-busy");
  });
})();
