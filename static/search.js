// Search from the keyboard: the header's box is an ARIA 1.2 combobox (the focus stays in
// it while the arrows move aria-activedescendant over the dropdown's options); the search
// page's box moves the focus over its results; an entry opened from a result marks the
// words searched for (?hl=), with a control that clears them. htmx does the requests.
(function () {
  "use strict";

  var ACTIVE = "active";

  // --- the header's combobox ---------------------------------------------------------------

  function header() {
    var box = document.getElementById("search-box");
    var popup = document.getElementById("search-popup");
    return box && popup ? { box: box, popup: popup, status: document.getElementById("search-status") } : null;
  }

  function options(popup) {
    return Array.prototype.slice.call(popup.querySelectorAll('[role="option"]'));
  }

  function activeIndex(popup) {
    return options(popup).findIndex(function (option) { return option.classList.contains(ACTIVE); });
  }

  function setActive(parts, index) {
    var all = options(parts.popup);
    all.forEach(function (option, i) {
      option.classList.toggle(ACTIVE, i === index);
      if (i === index) option.setAttribute("aria-selected", "true");
      else option.removeAttribute("aria-selected");
    });
    var chosen = all[index];
    if (chosen) {
      parts.box.setAttribute("aria-activedescendant", chosen.id);
      chosen.scrollIntoView({ block: "nearest" });
    } else {
      parts.box.removeAttribute("aria-activedescendant");
    }
  }

  function expand(parts, open) {
    var show = open && parts.popup.children.length > 0 && parts.box.value.trim() !== "";
    parts.popup.hidden = !show;
    parts.box.setAttribute("aria-expanded", String(show));
    if (!show) setActive(parts, -1);
  }

  // The dropdown's answer may be for what the box held a moment ago (typed on, then Enter
  // within the debounce): such an answer is never opened.
  function fresh(parts) {
    var list = parts.popup.querySelector('[role="listbox"]');
    return !!list && list.getAttribute("data-q") === parts.box.value;
  }

  function announce(parts) {
    if (!parts.status) return;
    var none = parts.popup.querySelector(".no-results p");
    var hits = parts.popup.querySelectorAll('a.hit[role="option"]').length;
    var all = parts.popup.querySelector(".all-results");
    var text = "";
    if (none) text = none.textContent;
    else if (hits) text = (all ? all.textContent : hits + (hits === 1 ? " result" : " results")) + ": arrow keys to choose.";
    parts.status.textContent = text;
  }

  function swapped(parts) {
    options(parts.popup).forEach(function (option, i) { option.id = "search-option-" + i; });
    var list = parts.popup.querySelector('[role="listbox"]');
    parts.box.setAttribute("aria-controls", list && list.id ? list.id : "search-popup");
    setActive(parts, -1);
    expand(parts, document.activeElement === parts.box);
    announce(parts);
  }

  function step(parts, by) {
    var count = options(parts.popup).length;
    if (!count) return;
    if (parts.popup.hidden) expand(parts, true);
    var index = activeIndex(parts.popup);
    if (by > 0) index = Math.min(index + 1, count - 1);
    else index = index === -1 ? count - 1 : index - 1;  // from the box, Up goes to the last
    setActive(parts, index);
  }

  function onHeaderKey(parts, event) {
    var key = event.key;
    if (key === "ArrowDown" || key === "ArrowUp") {
      event.preventDefault();
      step(parts, key === "ArrowDown" ? 1 : -1);
    } else if (key === "Escape") {
      // A search input clears itself on Escape; here the first Escape only closes the popup.
      event.preventDefault();
      if (!parts.popup.hidden) {
        expand(parts, false);
      } else {
        parts.box.value = "";
        parts.popup.innerHTML = "";
        if (parts.status) parts.status.textContent = "";
      }
    } else if (key === "Enter") {
      // What the reader sees: the option the arrows chose, else the first result if it has
      // every word. Otherwise (a suggestion, a result with some of the words, a closed or
      // stale popup) the form goes to the results page.
      var shown = !parts.popup.hidden && fresh(parts);
      var chosen = shown ? options(parts.popup)[activeIndex(parts.popup)] : null;
      var first = parts.popup.querySelector("a.hit");
      if (shown && !chosen && first && first.getAttribute("data-match") === "all") chosen = first;
      if (chosen) {
        event.preventDefault();
        chosen.click();
      }
    } else if (key === "Tab") {
      expand(parts, false);
    }
  }

  // --- the search page's box: the arrows move the focus over its results --------------------

  function pageResults() {
    return document.getElementById("search-results");
  }

  function movePageFocus(input, by) {
    var results = pageResults();
    var links = results ? Array.prototype.slice.call(results.querySelectorAll("a.hit")) : [];
    if (!links.length) return;
    var next = links.indexOf(document.activeElement) + by;
    if (next < 0) { input.focus(); return; }
    links[Math.min(next, links.length - 1)].focus();
  }

  function onPageKey(event) {
    var input = document.getElementById("page-search");
    var results = pageResults();
    if (!input || !results) return;
    if (event.target !== input && !results.contains(event.target)) return;
    if (event.target !== input && !event.target.matches("a.hit")) return;
    if (event.key === "ArrowDown") { event.preventDefault(); movePageFocus(input, 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); movePageFocus(input, -1); }
    else if (event.key === "Escape") {
      event.preventDefault();
      input.value = "";
      results.innerHTML = "";
      input.focus();
    }
  }

  document.addEventListener("keydown", function (event) {
    var parts = header();
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName) || event.target.isContentEditable;
    if (parts && ((event.key === "/" && !typing) || (event.key.toLowerCase() === "k" && (event.ctrlKey || event.metaKey)))) {
      event.preventDefault();
      var box = document.getElementById("page-search") || parts.box;
      box.focus();
      box.select();
      return;
    }
    if (parts && event.target === parts.box) onHeaderKey(parts, event);
    else onPageKey(event);
  });

  document.addEventListener("input", function (event) {
    var parts = header();
    if (parts && event.target === parts.box) setActive(parts, -1);
  });

  document.addEventListener("focusin", function (event) {
    var parts = header();
    if (parts && event.target === parts.box && fresh(parts)) expand(parts, true);
  });

  // Tab, or a click elsewhere, closes the popup; a click on an option is inside the form.
  document.addEventListener("focusout", function (event) {
    var parts = header();
    if (!parts || event.target !== parts.box) return;
    var form = parts.box.form;
    if (!event.relatedTarget || !form || !form.contains(event.relatedTarget)) expand(parts, false);
  });

  document.addEventListener("mousedown", function (event) {
    var parts = header();
    if (parts && !event.target.closest(".search")) expand(parts, false);
  });

  // --- paging on the search page ------------------------------------------------------------

  var paged = false;

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".pager a, .past-end a")) paged = true;
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var parts = header();
    if (parts && event.target === parts.popup) { swapped(parts); return; }
    if (paged && event.target === pageResults()) {
      paged = false;
      // The link that was followed is gone: the focus goes to the new page's first line.
      var range = event.target.querySelector(".result-range") || event.target.querySelector(".no-results");
      if (range) {
        if (!range.hasAttribute("tabindex")) range.setAttribute("tabindex", "-1");
        range.focus({ preventScroll: true });
      }
    }
  });

  // --- the words searched for, marked on the entry a result opened ----------------------------

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function searchedWords() {
    var hl = new URLSearchParams(window.location.search).get("hl") || "";
    var seen = {};
    // The link names a dozen words at most; a longer hand-made one is cut, not run.
    return hl.toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter(function (word) {
      if (word.length < 2 || seen[word]) return false;
      seen[word] = true;
      return true;
    }).slice(0, 20);
  }

  function textNodes(roots) {
    var nodes = [];
    roots.forEach(function (root) {
      var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
        acceptNode: function (node) {
          if (!node.nodeValue.trim()) return NodeFilter.FILTER_REJECT;
          if (node.parentElement.closest("script, style, mark, button, .header-anchor, .copy")) return NodeFilter.FILTER_REJECT;
          return NodeFilter.FILTER_ACCEPT;
        },
      });
      while (walker.nextNode()) nodes.push(walker.currentNode);
    });
    return nodes;
  }

  function markWords(roots, words) {
    // A word searched for starts a word of the page ("request" marks "Requests"), and an
    // underscore separates words as it does in the index ("model" marks response_model).
    var longestFirst = words.slice().sort(function (a, b) { return b.length - a.length; });
    var pattern = new RegExp("(?<![\\p{L}\\p{N}])(?:" + longestFirst.map(escapeRegExp).join("|") + ")[\\p{L}\\p{N}]*", "giu");
    var marks = [];
    textNodes(roots).forEach(function (node) {
      var text = node.nodeValue;
      pattern.lastIndex = 0;
      var found, last = 0, pieces = document.createDocumentFragment(), any = false;
      while ((found = pattern.exec(text)) !== null) {
        any = true;
        pieces.appendChild(document.createTextNode(text.slice(last, found.index)));
        var mark = document.createElement("mark");
        mark.className = "search-hl";
        mark.textContent = found[0];
        pieces.appendChild(mark);
        marks.push(mark);
        last = found.index + found[0].length;
      }
      if (!any) return;
      pieces.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(pieces, node);
    });
    return marks;
  }

  function clearHighlights(bar) {
    document.querySelectorAll("mark.search-hl").forEach(function (mark) {
      var parent = mark.parentNode;
      parent.replaceChild(document.createTextNode(mark.textContent), mark);
      parent.normalize();
    });
    bar.remove();
    var url = new URL(window.location.href);
    url.searchParams.delete("hl");
    window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
    var title = document.getElementById("entry-title");
    if (title) {
      title.setAttribute("tabindex", "-1");
      title.focus({ preventScroll: true });
    }
  }

  function highlightBar(words, count) {
    var bar = document.createElement("div");
    bar.className = "hl-bar";
    bar.setAttribute("role", "region");
    bar.setAttribute("aria-label", "Search highlights");
    var note = document.createElement("span");
    note.textContent = count + (count === 1 ? " match of " : " matches of ");
    words.forEach(function (word, i) {
      var mark = document.createElement("mark");
      mark.textContent = word;
      if (i) note.appendChild(document.createTextNode(" "));
      note.appendChild(mark);
    });
    var button = document.createElement("button");
    button.type = "button";
    button.className = "hl-clear";
    button.textContent = "Clear highlights";
    button.addEventListener("click", function () { clearHighlights(bar); });
    bar.appendChild(note);
    bar.appendChild(button);
    return bar;
  }

  function firstMarkToShow(marks) {
    // A result that names a section opens at it: the first mark from there on.
    var target = window.location.hash ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
    if (!target) return marks[0];
    for (var i = 0; i < marks.length; i++) {
      if (target.contains(marks[i]) || target.compareDocumentPosition(marks[i]) & Node.DOCUMENT_POSITION_FOLLOWING) return marks[i];
    }
    return marks[0];
  }

  function highlightEntry() {
    var article = document.querySelector("article.entry");
    var words = searchedWords();
    if (!article || !words.length) return;
    var roots = Array.prototype.slice.call(article.querySelectorAll(".entry-header h1, .entry-header .lead, .prose"));
    var marks = markWords(roots, words);
    if (!marks.length) return;
    (document.getElementById("main") || document.body).appendChild(highlightBar(words, marks.length));
    var navigation = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    if (!navigation || navigation.type !== "back_forward") firstMarkToShow(marks).scrollIntoView({ block: "center" });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", highlightEntry);
  else highlightEntry();
})();
