"""The reader-facing site: routes, pages, the JSON API, the console endpoint, templates."""
