"""The command line: `newsbot ...` (main.py: the parser and main()) and its commands, in run.py, articles.py
and feeds.py, thin calls into the services."""
