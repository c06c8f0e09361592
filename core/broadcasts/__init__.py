"""Broadcasts: one notice to many chats, one row per recipient, written before sending starts."""
