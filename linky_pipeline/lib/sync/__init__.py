"""Syncing: which days to ask for, the concurrent calls under the quota, landing answers and per-day fetch state."""
