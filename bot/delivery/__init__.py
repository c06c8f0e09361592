"""Pushes user-facing outbox events to Telegram chats (see worker.py for the delivery guarantees)."""

from bot.delivery.limiter import RateLimiter
from bot.delivery.planning import DeliveryContext, Planner, Target, plan_requester
from bot.delivery.render import Notice, Texts, render
from bot.delivery.worker import DeliveryStats, deliver_pending

__all__ = ["DeliveryContext", "DeliveryStats", "Notice", "Planner", "RateLimiter", "Target", "Texts", "deliver_pending",
           "plan_requester", "render"]
