// Development mode only (kb serve --reload): reload the page when content, an example,
// a template or a static file changes. Loaded by base.html only when dev mode is on.
(function () {
  "use strict";
  if (!window.EventSource) return;
  var source = new EventSource("/__dev/events");
  var lost = false;

  function reload() {
    // Never throw away text being written: /contribute opts out.
    if (document.querySelector("[data-dev-reload=off]")) return;
    window.location.reload();
  }

  source.addEventListener("ready", function () {
    // The server restarted (its own code changed) while this page was open.
    if (lost) reload();
    lost = false;
  });
  source.addEventListener("reload", reload);
  source.addEventListener("error", function () { lost = true; });
})();
