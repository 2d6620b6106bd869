"""Contributing: the /contribute views, CSRF, proposals, `kb new` scaffolding."""
