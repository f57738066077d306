"""The Telegram wing: the PTB Application and its jobs, the rate limiter, the terminal console and the
in-process Bot API that `newsbot chat` runs on."""
