"""`linky-pipeline …` command groups (click): each turns typed errors into one line and exit code 2."""
