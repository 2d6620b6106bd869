// ReDoc takes its colours as options: the <redoc> element's "theme" attribute, read when
// ReDoc's script starts, right after this one. Dark when docs-theme.js chose dark.
(function () {
  if (document.documentElement.getAttribute("data-theme") !== "dark") return;
  var element = document.querySelector("redoc");
  if (!element) return;
  element.setAttribute("theme", JSON.stringify({
    colors: {
      primary: { main: "#4cc2a8" },
      text: { primary: "#e6edf3", secondary: "#9da7b3" },
      border: { dark: "#30363d", light: "#30363d" },
    },
    sidebar: { backgroundColor: "#161b22", textColor: "#e6edf3", activeTextColor: "#4cc2a8" },
    rightPanel: { backgroundColor: "#0d1117", textColor: "#e6edf3" },
    schema: { nestedBackground: "#161b22", typeNameColor: "#9da7b3", linesColor: "#30363d" },
    codeBlock: { backgroundColor: "#1b1f27" },
    typography: { links: { color: "#6cb6ff" }, code: { color: "#e6edf3", backgroundColor: "#1b1f27" } },
  }));
})();
