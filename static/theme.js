// Runs before the page paints so a remembered theme never flashes the other one.
(function () {
  try {
    var theme = localStorage.getItem("kb-theme");
    if (theme === "light" || theme === "dark") {
      document.documentElement.setAttribute("data-theme", theme);
    }
  } catch (e) { /* storage may be disabled; the OS preference applies */ }
})();
