"""`make demo`: the whole pipeline on a fresh machine, and the report it prints."""
