// Keyboard search, theme toggle and copy buttons. htmx does the requests.
(function () {
  "use strict";

  function searchBox() { return document.getElementById("search-box"); }
  function popup() { return document.getElementById("search-popup"); }

  function resultLinks() {
    var box = popup();
    return box ? Array.prototype.slice.call(box.querySelectorAll(".search-results a")) : [];
  }

  function moveSelection(step) {
    var links = resultLinks();
    if (!links.length) return;
    var current = links.indexOf(document.activeElement);
    var next = current + step;
    if (next < 0) { searchBox().focus(); return; }
    if (next >= links.length) next = links.length - 1;
    links[next].focus();
  }

  document.addEventListener("keydown", function (event) {
    var box = searchBox();
    if (!box) return;
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName) || event.target.isContentEditable;
    if ((event.key === "/" && !typing) || (event.key.toLowerCase() === "k" && (event.ctrlKey || event.metaKey))) {
      event.preventDefault();
      box.focus();
      box.select();
      return;
    }
    var inSearch = event.target === box || (popup() && popup().contains(event.target));
    if (!inSearch) return;
    if (event.key === "ArrowDown") { event.preventDefault(); moveSelection(1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); moveSelection(-1); }
    else if (event.key === "Escape") {
      box.value = "";
      popup().innerHTML = "";
      box.focus();
    }
  });

  document.addEventListener("click", function (event) {
    var box = popup();
    if (box && !event.target.closest(".search")) box.innerHTML = "";
  });

  function setTheme(theme) {
    document.documentElement.setAttribute("data-theme", theme);
    try { localStorage.setItem("kb-theme", theme); } catch (e) { /* not remembered */ }
  }

  function currentTheme() {
    var explicit = document.documentElement.getAttribute("data-theme");
    if (explicit) return explicit;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function addCopyButtons(root) {
    root.querySelectorAll(".prose .highlight, .run-alone pre, .curl pre").forEach(function (block) {
      if (block.querySelector(".copy")) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy code to the clipboard");
      button.addEventListener("click", function () {
        var code = block.querySelector("td.code pre, pre code, pre") || block;
        var text = code.innerText.replace(/^\$ /gm, "");
        navigator.clipboard.writeText(text).then(function () {
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = "Copy"; }, 1500);
        });
      });
      block.classList.add("has-copy");
      block.appendChild(button);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.getElementById("theme-toggle");
    if (toggle) {
      toggle.setAttribute("aria-pressed", String(currentTheme() === "dark"));
      toggle.addEventListener("click", function () {
        var theme = currentTheme() === "dark" ? "light" : "dark";
        setTheme(theme);
        toggle.setAttribute("aria-pressed", String(theme === "dark"));
      });
    }
    addCopyButtons(document);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    addCopyButtons(event.target);
  });
})();
