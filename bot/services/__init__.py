"""The application services: the one write path for articles (intake), the library of queries, the
watcher, delivery, digests, subscriptions, seeds and feed sources.

They depend on the storage contract (storage.contract), never on an engine, and on no Telegram code:
the Telegram wing hands them a Sender."""
