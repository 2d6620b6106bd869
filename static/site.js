// Theme toggle, copy buttons and upload limits (search is in search.js).
(function () {
  "use strict";

  // navigator.clipboard exists in secure contexts only: https, or http on localhost. On
  // a LAN address or behind a proxy without TLS, a hidden textarea is copied instead.
  // Resolves to whether the text was copied; console.js and request-code.js use it too.
  function copyText(text) {
    function fromTextarea() {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.setAttribute("aria-hidden", "true");
      area.style.position = "fixed";
      area.style.top = "0";
      area.style.left = "-9999px";
      document.body.appendChild(area);
      area.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      document.body.removeChild(area);
      return copied;
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, fromTextarea);
    }
    return Promise.resolve(fromTextarea());
  }
  window.kbCopyText = copyText;

  function setTheme(theme) {
    document.documentElement.setAttribute("data-theme", theme);
    try { localStorage.setItem("kb-theme", theme); } catch (e) { /* not remembered */ }
  }

  function currentTheme() {
    var explicit = document.documentElement.getAttribute("data-theme");
    if (explicit) return explicit;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  // Code blocks: each gets a Copy button (outside the part that scrolls), and one that
  // scrolls sideways is made focusable so that the keyboard can scroll it too.
  var CODE_BLOCKS = ".prose .highlight, .run-alone pre, .response-body .highlight, .response-binary .hexdump";

  function copyButton(block) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy code");

    function say(label, aria, ms) {
      button.textContent = label;
      button.setAttribute("aria-label", aria);
      setTimeout(function () {
        button.textContent = "Copy";
        button.setAttribute("aria-label", "Copy code");
      }, ms);
    }

    // The last resort: the code is selected, and the reader copies it with the keyboard.
    function selectForTheReader(code) {
      var range = document.createRange();
      range.selectNodeContents(code);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var keys = /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘C" : "Ctrl+C";
      say("Press " + keys, "Selected: press " + keys + " to copy", 4000);
    }

    button.addEventListener("click", function () {
      // Code only: not the line numbers (their own cell), not a shell's "$ " prompts.
      var code = block.querySelector("td.code pre") || block.querySelector("pre") || block;
      var text = code.textContent.replace(/^\$ /gm, "");
      copyText(text).then(function (copied) {
        button.focus();
        if (copied) say("Copied", "Copied", 1500);
        else selectForTheReader(code);
      });
    });
    return button;
  }

  function markScrollers(root) {
    root.querySelectorAll(CODE_BLOCKS).forEach(function (block) {
      if (block.scrollWidth > block.clientWidth) block.setAttribute("tabindex", "0");
      else block.removeAttribute("tabindex");
    });
  }

  function addCopyButtons(root) {
    root.querySelectorAll(CODE_BLOCKS).forEach(function (block) {
      if (block.parentNode.classList.contains("code-wrap")) return;
      var wrap = document.createElement("div");
      wrap.className = "code-wrap";
      block.parentNode.insertBefore(wrap, block);
      wrap.appendChild(block);
      wrap.appendChild(copyButton(block));
    });
    markScrollers(root);
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
    // On a narrow screen the table of contents starts folded above the entry.
    var toc = document.querySelector(".toc details");
    if (toc && window.matchMedia("(max-width: 64rem)").matches) toc.open = false;
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    addCopyButtons(event.target);
  });

  // A console's file input: a file over the upload limit is refused here, with the
  // limit named, rather than sent to a 413. The message also stops the form's submit.
  function bytes(size) {
    if (size >= 1048576) return (size / 1048576).toFixed(1).replace(/\.0$/, "") + " MiB";
    if (size >= 1024) return Math.round(size / 1024) + " KiB";
    return size + " bytes";
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var limit = Number(input.getAttribute("data-max-bytes"));
    var file = input.files && input.files[0];
    var message = "";
    if (file && limit && file.size > limit) {
      message = file.name + " is " + bytes(file.size) + ": an upload may be " + bytes(limit) + " at most.";
    }
    input.setCustomValidity(message);
    var note = input.parentNode.querySelector(".console-error");
    if (!message) {
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.className = "console-error";
      note.setAttribute("role", "alert");
      input.parentNode.appendChild(note);
    }
    note.textContent = message;
  });

  // A block inside <details> only has a width once it is open.
  document.addEventListener("toggle", function (event) { markScrollers(event.target); }, true);

  var resizing;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { markScrollers(document); }, 200);
  });
})();
