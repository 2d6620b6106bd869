// Navigation as the reader moves: the table of contents marks the section in view, and on
// a phone the sidebar folds into one row. Without JavaScript both still work as links.
(function () {
  "use strict";

  var PHONE = "(max-width: 48rem)";

  function foldSidebarOnPhones() {
    var fold = document.querySelector(".sidebar-fold");
    if (fold && window.matchMedia(PHONE).matches) fold.open = false;
  }

  // The section in view is the last heading whose top has passed the reading line, a
  // little below the sticky top bar; above the first heading, the first one.
  function followTheReader() {
    var toc = document.querySelector(".toc");
    if (!toc || !("IntersectionObserver" in window)) return;
    var links = Array.prototype.slice.call(toc.querySelectorAll('a[href^="#"]'));
    var entries = [];
    links.forEach(function (link) {
      var heading = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (heading) entries.push({ link: link, heading: heading });
    });
    if (!entries.length) return;
    var current = null;

    function readingLine() {
      var bar = document.querySelector(".topbar");
      var below = bar ? bar.getBoundingClientRect().bottom : 0;
      return below + Math.min(window.innerHeight * 0.25, 160);
    }

    function mark() {
      var line = readingLine();
      var found = entries[0];
      for (var i = 0; i < entries.length; i++) {
        if (entries[i].heading.getBoundingClientRect().top <= line) found = entries[i];
        else break;
      }
      // At the very end of the page the last sections may never reach the line.
      var end = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
      if (end) {
        for (var j = entries.length - 1; j >= 0; j--) {
          if (entries[j].heading.getBoundingClientRect().top < window.innerHeight) { found = entries[j]; break; }
        }
      }
      if (found === current) return;
      if (current) current.link.removeAttribute("aria-current");
      current = found;
      current.link.setAttribute("aria-current", "location");
      keepInView(current.link);
    }

    // The table of contents scrolls on its own when it is taller than the screen.
    function keepInView(link) {
      if (toc.scrollHeight <= toc.clientHeight) return;
      var top = link.offsetTop - toc.offsetTop;
      if (top < toc.scrollTop || top + link.offsetHeight > toc.scrollTop + toc.clientHeight) {
        toc.scrollTop = Math.max(0, top - toc.clientHeight / 3);
      }
    }

    var scheduled = false;
    function schedule() {
      if (scheduled) return;
      scheduled = true;
      window.requestAnimationFrame(function () { scheduled = false; mark(); });
    }

    // A heading crossing the band at the top of the screen, or the bottom edge, is the
    // only moment the answer can change; the observer says when that happens.
    var observer = new IntersectionObserver(schedule, {
      rootMargin: "0px 0px -70% 0px",
      threshold: [0, 1],
    });
    var bottom = new IntersectionObserver(schedule, { threshold: [0, 1] });
    entries.forEach(function (entry) {
      observer.observe(entry.heading);
      bottom.observe(entry.heading);
    });
    window.addEventListener("hashchange", schedule);
    window.addEventListener("scrollend", schedule, { passive: true });
    mark();
  }

  document.addEventListener("DOMContentLoaded", function () {
    foldSidebarOnPhones();
    followTheReader();
  });
})();
