// The API docs pages follow the reader's theme: the one chosen on the site (theme.js
// keeps it in localStorage), else the system's. Runs before the page paints.
(function () {
  var theme = null;
  try { theme = localStorage.getItem("kb-theme"); } catch (e) { /* storage disabled */ }
  if (theme !== "light" && theme !== "dark") {
    theme = window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }
  document.documentElement.setAttribute("data-theme", theme);
  // Swagger UI's stylesheet has a dark mode of its own, for this class.
  document.documentElement.classList.toggle("dark-mode", theme === "dark");
})();
