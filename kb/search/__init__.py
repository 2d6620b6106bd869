"""Full-text search: the SQLite FTS5 index, queries, snippets, spelling."""
