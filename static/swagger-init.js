// Swagger UI for the KB and for each mounted example, with no inline script (CSP). An
// example's FastAPI(swagger_ui_parameters=..., swagger_ui_init_oauth=...) arrive as JSON
// in data attributes, and override the defaults as they do on FastAPI's own page.
window.addEventListener("load", function () {
  var element = document.getElementById("swagger-ui");
  var options = {
    url: element.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout",
  };
  Object.assign(options, JSON.parse(element.dataset.parameters || "{}"));
  window.ui = SwaggerUIBundle(options);
  if (element.dataset.initOauth) {
    window.ui.initOAuth(JSON.parse(element.dataset.initOauth));
  }
});
