"""Development mode: reloading content and examples as files change."""
