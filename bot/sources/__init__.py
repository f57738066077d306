"""Parsers that turn files, feed bytes and web pages into RawArticle objects.

Nothing here touches the network or the store: callers hand over bytes (a fetched body, a file's content)
and get back RawArticles plus a one-line `problem` when part of the input could not be read.

- dates.py: one lenient date parser (ISO 8601, RFC 822, struct_time, epoch) returning aware UTC datetimes
- pages.py: a web page -> its main text (trafilatura); an HTML fragment -> plain text (lxml)
- feedparse.py: RSS / Atom / RDF (feedparser, bytes only) and JSON Feed bytes -> a ParsedFeed
- files.py: local files and folders (.txt .md .json .jsonl .html .htm .xml .rss .atom) -> FileResults
"""
