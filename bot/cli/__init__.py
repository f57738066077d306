"""The command line: `newsbot ...` and its sub-commands (main.py), thin calls into the services."""
