// The WebSocket player: turns each ```websocket block of an entry (a section.ws-console,
// rendered by kb/content/render.py with its steps in data-ws) into a live conversation
// with the reader's own sandbox of the example. It talks through the KB's relay,
// /try/<slug>/ws (kb/web/trysocket.py), because a page's own WebSocket can neither send
// the block's headers (Origin, Cookie, Authorization) nor learn the code of a refused
// handshake. The browser sends the reader cookie with the relay's handshake, which is
// what picks the sandbox.
// Loaded only by entries that have such a block; without JavaScript the block stays code.
(() => {
  "use strict";
  const script = document.currentScript;
  const mount = script ? script.dataset.mount : "";
  const slug = script ? script.dataset.slug : "";
  if (!mount || !slug || !("WebSocket" in window)) return;
  const WAIT_MS = 5000; // how long a step waits for the example, as kb check does

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function sameJson(a, b) {
    if (a === b) return true;
    if (Array.isArray(a) || Array.isArray(b)) {
      return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
        a.every((item, i) => sameJson(item, b[i]));
    }
    if (a && b && typeof a === "object" && typeof b === "object") {
      const keys = Object.keys(a);
      return keys.length === Object.keys(b).length &&
        keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
    }
    return false;
  }

  // {{name}}: a value the entry's consoles captured (a login's token), kept in the
  // captured values at the head of Try it, as kb.content.variables reads it.
  const VARIABLE = /\{\{\s*([A-Za-z_]\w*)\s*\}\}/g;

  function captured(name) {
    const box = slug ? document.getElementById(`vars-${slug}`) : null;
    const input = box ? box.querySelector(`input[name="var_${CSS.escape(name)}"]`) : null;
    return input ? input.value : null;
  }

  function fill(text) {
    return text.replace(VARIABLE, (whole, name) => captured(name) ?? whole);
  }

  function uncaptured(texts) {
    for (const text of texts) {
      for (const match of text.matchAll(VARIABLE)) {
        if (captured(match[1]) === null) return match[1];
      }
    }
    return null;
  }

  function parsed(text) {
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      return { ok: false };
    }
  }

  function find(document, path) {
    let value = document;
    for (const step of path) {
      if (typeof step === "number" && Array.isArray(value)) {
        const index = step < 0 ? value.length + step : step;
        if (index < 0 || index >= value.length) return { found: false };
        value = value[index];
      } else if (typeof step === "string" && value && typeof value === "object" &&
                 !Array.isArray(value) && Object.hasOwn(value, step)) {
        value = value[step];
      } else {
        return { found: false };
      }
    }
    return { found: true, value };
  }

  // Why a received message is not the one a step expects, or "" when it is (the same
  // rules as kb.content.wsblocks.Expect.mismatch).
  function mismatch(step, text) {
    const got = parsed(text);
    if (step.expect !== "*") {
      const expected = fill(step.expect);
      const wanted = parsed(expected);
      if (wanted.ok) {
        if (!got.ok || !sameJson(got.value, wanted.value)) return `expected ${expected}`;
      } else if (text !== expected) {
        return `expected ${expected}`;
      }
    }
    if (step.asserts.length && !got.ok) return "the assertions need a JSON message";
    for (const check of step.asserts) {
      const at = find(got.value, check.path);
      const value = typeof check.value === "string" ? fill(check.value) : check.value;
      const shown = fill(check.text);
      if (!at.found) return `${shown}: nothing there`;
      if (check.op === "==" && !sameJson(at.value, value)) return `${shown}: got ${JSON.stringify(at.value)}`;
      if (check.op === "!=" && sameJson(at.value, value)) return `${shown}: got ${JSON.stringify(at.value)}`;
    }
    return "";
  }

  // Events from the socket, in order, for the steps to take one at a time.
  function inbox() {
    const items = [];
    let waiting = null;
    let taking = true;
    return {
      stop() {
        taking = false;
        items.length = 0;
      },
      push(item) {
        if (!taking) return;
        if (waiting) {
          const resolve = waiting;
          waiting = null;
          resolve(item);
        } else {
          items.push(item);
        }
      },
      next(ms) {
        if (items.length) return Promise.resolve(items.shift());
        return new Promise((resolve) => {
          const timer = setTimeout(() => {
            waiting = null;
            resolve({ kind: "timeout" });
          }, ms);
          waiting = (item) => {
            clearTimeout(timer);
            resolve(item);
          };
        });
      },
    };
  }

  function clock() {
    const now = new Date();
    const pad = (n, width = 2) => String(n).padStart(width, "0");
    const shown = `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}`;
    return el("time", { datetime: now.toISOString(), text: shown });
  }

  function closeText(code, reason) {
    return reason ? `${code} ${JSON.stringify(reason)}` : String(code);
  }

  function setUp(section, data) {
    const id = section.id;
    const path = el("input", {
      id: `${id}-path`, class: "path", value: data.path, spellcheck: "false", autocomplete: "off",
    });
    const play = el("button", { type: "button", class: "send ws-play", text: "Play" });
    const close = el("button", { type: "button", class: "ws-close", text: "Close", disabled: true });
    const request = el("div", { class: "ws-request" },
      el("span", { class: "mount", title: "Where this example is mounted", text: mount }),
      el("label", { class: "visually-hidden", for: path.id, text: "WebSocket path" }),
      path, play, close);
    // The handshake's headers, one "Name: value" a line, as the block has them.
    const headers = el("textarea", {
      id: `${id}-headers`, class: "ws-headers", rows: String(Math.max(data.headers.length, 1)),
      spellcheck: "false", autocomplete: "off",
    });
    headers.value = data.headers.map(([name, value]) => `${name}: ${value}`).join("\n");
    const headerBox = el("div", { class: "ws-headers-box" },
      el("label", { for: headers.id, text: "Headers" }), headers);
    if (!data.headers.length) headerBox.hidden = true;

    const steps = el("ol", { class: "ws-steps", "aria-label": "The conversation" });
    const inputs = [];
    data.steps.forEach((step, index) => {
      const item = el("li", { class: "ws-step" });
      if ("send" in step) {
        const input = el("input", {
          id: `${id}-step-${index + 1}`, value: step.send, spellcheck: "false", autocomplete: "off",
        });
        inputs[index] = input;
        item.classList.add("ws-step-send");
        item.append(el("label", { for: input.id, text: "Send" }), input);
      } else if ("expect" in step) {
        item.classList.add("ws-step-expect");
        const what = step.expect === "*" ? "any message" : step.expect;
        item.append(el("span", { class: "ws-step-kind", text: "Expect" }), el("code", { text: what }));
        for (const check of step.asserts) item.append(el("code", { class: "ws-assert", text: check.text }));
      } else {
        item.classList.add("ws-step-close");
        item.append(el("span", { class: "ws-step-kind", text: "Expect close" }),
          el("code", { text: closeText(step.close, step.reason) }));
      }
      steps.append(item);
    });

    const status = el("p", { class: "ws-status", role: "status" });
    const transcript = el("ol", {
      class: "ws-transcript", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Transcript",
    });
    const message = el("input", { id: `${id}-message`, spellcheck: "false", autocomplete: "off", disabled: true });
    const sendMore = el("button", { type: "submit", text: "Send", disabled: true });
    const compose = el("form", { class: "ws-compose" },
      el("label", { for: message.id, text: "Message" }), message, sendMore);
    const player = el("div", { class: "ws-player" }, request, headerBox, steps, status, transcript, compose);
    // The player shows the steps: the source (and the Copy button site.js gives it) goes.
    section.querySelector(".ws-source")?.setAttribute("hidden", "");
    section.querySelector(".ws-nojs")?.remove();
    section.append(player);

    let socket = null;

    function line(kind, text, extra) {
      const arrows = { sent: "→", received: "←" };
      const item = el("li", { class: `ws-line ws-${kind}` }, clock(), " ");
      if (arrows[kind]) {
        item.append(el("span", { class: "ws-dir", "aria-label": kind, text: arrows[kind] }), " ",
          el("code", { class: "ws-message", text }));
      } else {
        item.append(el("span", { class: "ws-event-text", text }));
      }
      if (extra) item.append(" ", extra);
      transcript.append(item);
      item.scrollIntoView({ block: "nearest" });
      return item;
    }

    function verdict(item, why) {
      item.append(" ", why
        ? el("span", { class: "ws-verdict differs", text: `✗ ${why}` })
        : el("span", { class: "ws-verdict ok", text: "✓ as expected" }));
      return !why;
    }

    function connected(on) {
      play.disabled = on;
      close.disabled = !on;
      message.disabled = !on;
      sendMore.disabled = !on;
    }

    // The block's headers as the reader left them, each {{name}} filled; a line that is
    // no header is named, and nothing is sent.
    function handshakeHeaders() {
      const pairs = [];
      for (const [index, raw] of headers.value.split("\n").entries()) {
        const text = raw.trim();
        if (!text) continue;
        const colon = text.indexOf(":");
        if (colon < 1) return { error: `Header line ${index + 1} is not “Name: value”.` };
        pairs.push([text.slice(0, colon).trim(), fill(text.slice(colon + 1).trim())]);
      }
      return { pairs };
    }

    function open() {
      const target = fill(path.value.trim());
      if (!target.startsWith("/") || target.startsWith("//")) {
        status.textContent = "The path must start with a single “/”.";
        return null;
      }
      const sent = handshakeHeaders();
      if (sent.error) {
        status.textContent = sent.error;
        return null;
      }
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      transcript.replaceChildren();
      status.textContent = `Connecting to ${mount}${target}…`;
      const events = inbox();
      const ws = new WebSocket(`${scheme}//${location.host}/try/${encodeURIComponent(slug)}/ws`);
      const conversation = { ws, events, live: false, over: false };
      function over(item) {
        conversation.over = true;
        conversation.live = false;
        connected(false);
        events.push(item);
      }
      ws.addEventListener("open", () => {
        ws.send(JSON.stringify({ open: { path: target, headers: sent.pairs } }));
      });
      ws.addEventListener("message", (event) => {
        if (socket !== conversation) return; // played again since: this one is on its way out
        const data = JSON.parse(event.data);
        if (data.event === "opening") {
          // What the handshake carries, as the consoles show what they sent.
          const parts = [`handshake ${data.path}`, ...data.headers.map(([name, value]) => `${name}: ${value}`)];
          if (data.cookies.length) parts.push(`the cookies the consoles above were given: ${data.cookies.join(", ")}`);
          line("handshake", parts.join(" · "));
        } else if (data.event === "accepted") {
          conversation.live = true;
          connected(true);
          const agreed = data.subprotocol ? ` (subprotocol ${data.subprotocol})` : "";
          line("event", `connected${agreed}`);
          events.push({ kind: "open" });
        } else if (data.event === "received") {
          const text = data.text ?? `(binary, ${data.binary} bytes)`;
          events.push({ kind: "message", text, item: line("received", text) });
        } else if (data.event === "refused") {
          const item = line("event", `refused ${closeText(data.code, data.reason)}`);
          over({ kind: "close", code: data.code, reason: data.reason, refused: true, item });
        } else if (data.event === "denied") {
          const said = data.body ? `: ${data.body}` : "";
          const item = line("event", `refused with HTTP ${data.status}${said}`);
          over({ kind: "close", status: data.status, refused: true, item });
        } else if (data.event === "closed") {
          const item = line("event", `closed ${closeText(data.code, data.reason)}`);
          over({ kind: "close", code: data.code, reason: data.reason, refused: false, item });
        } else if (data.event === "failed") {
          const item = line("event", `failed: ${data.message}`);
          if (!conversation.live && !conversation.over) over({ kind: "failed", message: data.message, item });
        }
      });
      ws.addEventListener("close", () => {
        if (socket !== conversation) return;
        socket = null;
        if (!conversation.over) {
          const item = line("event", "the connection to the KB was lost");
          over({ kind: "failed", message: "The connection to the KB was lost.", item });
        }
        connected(false);
      });
      socket = conversation;
      return conversation;
    }

    function say(text) {
      socket.ws.send(JSON.stringify({ send: text }));
      line("sent", text);
    }

    async function run() {
      const missing = uncaptured([
        path.value,
        headers.value,
        ...inputs.filter(Boolean).map((input) => input.value),
        ...data.steps.flatMap((step) => "expect" in step ? [step.expect, ...step.asserts.map((check) => check.text)] : []),
      ]);
      if (missing !== null) {
        status.textContent = `{{${missing}}} has no value yet: send the request above that captures it, then Play.`;
        return;
      }
      if (socket) socket.ws.close(1000);
      const connection = open();
      if (!connection) return;
      const { ws, events } = connection;
      // The first answer may wait for the reader's sandbox to start, then the handshake.
      const first = await events.next(2 * WAIT_MS);
      if (first.kind === "timeout" || first.kind === "failed") {
        status.textContent = first.kind === "timeout" ? `No answer within ${2 * WAIT_MS / 1000} s.` : first.message;
        ws.close();
        return;
      }
      let state = first.kind === "open" ? "open" : "closed";
      let last = first;
      let good = 0;
      let total = 0;
      for (const [index, step] of data.steps.entries()) {
        if ("send" in step) {
          if (state !== "open") {
            verdict(last.item, "the conversation could not go on: the connection is closed");
            break;
          }
          say(fill(inputs[index].value));
          continue;
        }
        total += 1;
        if ("expect" in step) {
          if (state !== "open") {
            verdict(last.item, `expected ${fill(step.expect)}, but the connection is closed`);
            break;
          }
          const event = await events.next(WAIT_MS);
          if (event.kind === "message") {
            good += verdict(event.item, mismatch(step, event.text)) ? 1 : 0;
            continue;
          }
          if (event.kind === "timeout") {
            verdict(line("event", "waiting"), `expected ${fill(step.expect)}, nothing came within ${WAIT_MS / 1000} s`);
          } else {
            verdict(event.item, `expected ${fill(step.expect)}`);
          }
          break;
        }
        let ending = last;
        if (state === "open") ending = await events.next(WAIT_MS);
        if (ending.kind === "close" && ending.status !== undefined) {
          verdict(ending.item, `expected close ${closeText(step.close, step.reason)}`);
        } else if (ending.kind === "close") {
          const same = ending.code === step.close && (step.reason === null || step.reason === ending.reason);
          good += verdict(ending.item, same ? "" : `expected close ${closeText(step.close, step.reason)}`) ? 1 : 0;
        } else if (ending.kind === "message") {
          verdict(ending.item, `expected close ${closeText(step.close, step.reason)}`);
        } else if (ending.kind === "failed") {
          verdict(ending.item, `expected close ${closeText(step.close, step.reason)}: ${ending.message}`);
        } else {
          verdict(line("event", "waiting"), `expected close ${step.close}, the connection stayed open`);
        }
        // A message or a wait where a close was expected leaves the connection open.
        if (ending.kind === "close" || ending.kind === "failed") state = "closed";
        break;
      }
      status.textContent = total
        ? `Played: ${good} of ${total} expected ${total === 1 ? "answer" : "answers"} as written.` +
          (state === "open" && connection.live ? " Still connected: send more below." : "")
        : "Played.";
      if (first.kind === "close" && first.refused && good < total && data.variables.length) {
        // A captured value that opened a socket once (a single-use ticket) may not again.
        const names = data.variables.map((name) => `{{${name}}}`).join(", ");
        status.textContent += ` The handshake used ${names}, which may be spent or out of date:` +
          " send the request that captures it again, then Play.";
      }
      // Messages from now on are the reader's own conversation: shown, not checked.
      events.stop();
    }

    play.addEventListener("click", run);
    close.addEventListener("click", () => {
      if (socket && socket.live) socket.ws.send(JSON.stringify({ close: { code: 1000, reason: "closed by the reader" } }));
    });
    // "Reset sandbox" at the head of Try it stops the app this socket talks to: the
    // conversation ends with it, and the player starts again from its steps.
    document.addEventListener("htmx:afterRequest", (event) => {
      const form = event.target;
      if (!event.detail.successful || !form.matches || !form.matches("form.sandbox-reset")) return;
      if (socket) {
        const ending = socket;
        socket = null; // what this socket says from now on is not shown
        ending.ws.close(1000, "sandbox reset");
        connected(false);
      }
      transcript.replaceChildren();
      status.textContent = "The sandbox was reset: Play starts a new conversation.";
    });
    compose.addEventListener("submit", (event) => {
      event.preventDefault();
      if (!socket || !socket.live || !message.value) return;
      say(fill(message.value));
      message.value = "";
    });
  }

  for (const section of document.querySelectorAll("section.ws-console[data-ws]")) {
    setUp(section, JSON.parse(section.dataset.ws));
  }
})();
