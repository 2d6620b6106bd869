// /contribute on a phone: the editor and the preview as two tabs, so that the preview is
// one tap away instead of below a 30-row editor. The Preview tab counts what the check
// found. Wide screens show both side by side and no tabs.
(function () {
  "use strict";

  var NARROW = window.matchMedia("(max-width: 60rem)");

  function setUp() {
    var form = document.getElementById("contribute-form");
    var tablist = form && form.querySelector(".contribute-tabs");
    if (!tablist) return;
    var tabs = Array.prototype.slice.call(tablist.querySelectorAll("[role=tab]"));
    var panels = tabs.map(function (tab) { return document.getElementById(tab.getAttribute("aria-controls")); });

    function select(index, focus) {
      tabs.forEach(function (tab, i) {
        var chosen = i === index;
        tab.setAttribute("aria-selected", String(chosen));
        tab.tabIndex = chosen ? 0 : -1;
      });
      form.setAttribute("data-tab", index === 0 ? "editor" : "preview");
      if (focus) tabs[index].focus();
    }

    // Tab semantics only while the tabs are what the reader sees.
    function fit() {
      tablist.hidden = !NARROW.matches;
      panels.forEach(function (panel, i) {
        if (NARROW.matches) {
          panel.setAttribute("role", "tabpanel");
          panel.setAttribute("aria-labelledby", tabs[i].id);
        } else {
          panel.removeAttribute("role");
          panel.removeAttribute("aria-labelledby");
        }
      });
    }

    tabs.forEach(function (tab, i) {
      tab.addEventListener("click", function () { select(i, false); });
    });
    tablist.addEventListener("keydown", function (event) {
      var at = tabs.indexOf(document.activeElement);
      if (at < 0) return;
      var next = null;
      if (event.key === "ArrowRight" || event.key === "ArrowLeft") next = (at + 1) % tabs.length;
      else if (event.key === "Home") next = 0;
      else if (event.key === "End") next = tabs.length - 1;
      if (next === null) return;
      event.preventDefault();
      select(next, true);
    });

    function count() {
      var status = document.getElementById("preview-status");
      var label = tabs[1].querySelector(".tab-count");
      if (!status || !label) return;
      var problems = status.querySelector("[data-problems]");
      var placeholders = status.querySelector("[data-placeholders]");
      var parts = [];
      var n;
      if (problems) {
        n = Number(problems.getAttribute("data-problems"));
        parts.push(n + (n === 1 ? " problem" : " problems"));
      }
      if (placeholders) parts.push(placeholders.getAttribute("data-placeholders") + " to fill in");
      label.textContent = parts.length ? " · " + parts.join(", ") : "";
    }

    select(0, false);
    fit();
    count();
    NARROW.addEventListener("change", fit);
    document.addEventListener("htmx:afterSwap", function (event) {
      if (event.target && event.target.id === "preview-status") count();
    });
  }

  document.addEventListener("DOMContentLoaded", setUp);
})();
