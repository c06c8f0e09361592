"""Line chats in Telegram: the bot's rights check, the ticket card (render and sync), notices to line chats."""
