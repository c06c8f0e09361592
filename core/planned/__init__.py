"""Planned works and releases: announced ahead, with timed notices (reminder, start, end)."""
