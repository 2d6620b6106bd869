// A console's request as code: the languages become tabs (arrow keys move between them,
// the choice is remembered for every console), and each has a Copy button. Without this
// script every language shows, one after the other.
(function () {
  "use strict";

  var KEY = "kb-code-language";
  document.documentElement.classList.add("request-code-ready");

  function remembered() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }

  function remember(language) {
    try { localStorage.setItem(KEY, language); } catch (e) { /* not remembered */ }
  }

  function select(block, language, focus) {
    var tab = block.querySelector('[role="tab"][data-language="' + language + '"]');
    if (!tab) return;
    block.querySelectorAll('[role="tab"]').forEach(function (other) {
      var chosen = other === tab;
      other.setAttribute("aria-selected", chosen ? "true" : "false");
      other.tabIndex = chosen ? 0 : -1;
    });
    block.querySelectorAll('[role="tabpanel"]').forEach(function (panel) {
      panel.toggleAttribute("data-inactive", panel.getAttribute("data-language") !== language);
    });
    if (focus) tab.focus();
  }

  // Entry pages are rendered once and kept: one reached by another host name (localhost
  // for 127.0.0.1) names the first one in its code until it is fixed here.
  function fixOrigin(block) {
    var written;
    try { written = new URL(block.getAttribute("data-origin")).origin; } catch (e) { return; }
    if (written === location.origin) return;
    block.querySelectorAll("pre code").forEach(function (code) {
      code.textContent = code.textContent.split(written).join(location.origin);
    });
  }

  function prepare(root) {
    var language = remembered();
    root.querySelectorAll(".request-code").forEach(function (block) {
      fixOrigin(block);
      if (language) select(block, language, false);
    });
  }

  prepare(document);
  // A console's result arrives with the code of what was sent.
  document.addEventListener("htmx:afterSwap", function (event) { prepare(event.target); });

  document.addEventListener("click", function (event) {
    var tab = event.target.closest(".request-code [role='tab']");
    if (tab) {
      var language = tab.getAttribute("data-language");
      remember(language);
      document.querySelectorAll(".request-code").forEach(function (block) {
        select(block, language, block.contains(tab));
      });
      return;
    }
    var button = event.target.closest(".request-code-copy");
    if (button) copy(button);
  });

  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest(".request-code [role='tab']");
    if (!tab) return;
    var tabs = Array.prototype.slice.call(tab.parentNode.querySelectorAll('[role="tab"]'));
    var at = tabs.indexOf(tab);
    var next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    var chosen = tabs[(next + tabs.length) % tabs.length];
    remember(chosen.getAttribute("data-language"));
    select(tab.closest(".request-code"), chosen.getAttribute("data-language"), true);
  });

  function say(button, text) {
    button.textContent = text;
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(function () { button.textContent = "Copy"; }, 1500);
  }

  // Copied by site.js's kbCopyText; failing that, the code is selected for the keyboard.
  function copy(button) {
    var code = button.closest(".request-code-panel").querySelector("pre code");
    var text = code.textContent;
    window.kbCopyText(text).then(function (copied) {
      button.focus();
      if (copied) {
        say(button, "Copied");
        return;
      }
      var range = document.createRange();
      range.selectNodeContents(code);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      say(button, /Mac|iPhone|iPad/.test(navigator.platform) ? "Press ⌘C" : "Press Ctrl+C");
    });
  }
})();
