"""Parsers that turn files, feed bytes and web pages into RawArticle objects, and the one network edge.

Nothing here touches the store, and only fetch.py touches the network: parsers are handed bytes (a fetched
body, a file's content) and give back RawArticles plus a one-line `problem` when part of the input could
not be read.

- fetch.py: Fetcher, the outgoing HTTP client (the result type and failure wording in fetchresult.py, the
  bounded gzip/deflate decoder in inflate.py, the address policy in netguard.py)

- dates.py: one lenient date parser (ISO 8601, RFC 822, struct_time, epoch) returning aware UTC datetimes
- pages.py: a web page -> its main text (trafilatura); an HTML fragment -> plain text (lxml)
- feedparse.py: RSS / Atom / RDF (feedparser, bytes only) and JSON Feed bytes -> a ParsedFeed
- files.py: local files and folders (.txt .md .json .jsonl .html .htm .xml .rss .atom) -> FileResults,
  with the per-format readers textfile.py (.txt .md, front matter) and jsonfile.py (.json .jsonl)
"""
