"""Sends broadcasts row by row under the bot's one rate limiter (see sender.py)."""

from bot.broadcast.sender import BroadcastSender, SenderStats

__all__ = ["BroadcastSender", "SenderStats"]
