"""Composition root: configuration, command line and the process supervisor. No domain logic."""
