"""Outages (аварии): declared, updated, restored; who hears about a service; the outage report."""
