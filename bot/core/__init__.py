"""The pure core: article model, topics, people, summaries, stories, formatting, time zones.

No I/O here: nothing imports telegram, tinydb, httpx or the storage package, and nothing reads the clock
(callers pass `now`). import-linter keeps it so (pyproject.toml)."""
