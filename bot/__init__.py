"""newsbot: news alerts, digests and "latest on a person" in Telegram."""

__version__ = "0.1.0"
