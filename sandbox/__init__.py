"""A local Bot API server with a web chat: try the bot without Telegram.

It imports nothing of the product (tests/unit/test_layering.py checks it): any bot that speaks the Bot API over
HTTP can use it. `python -m sandbox` runs it alone; `support-bot sandbox` runs it with the product.
"""
