"""Test support: helpers, fake servers, seeds and shared fixtures for every test layer (no tests here)."""
