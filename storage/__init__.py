"""Persistence. storage.contract is what the application sees (typed Protocols); each engine is a
package that implements it: storage.tinydb (files in one data directory). Nothing here knows about
Telegram or imports bot/ or handlers/."""
