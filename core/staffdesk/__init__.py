"""Support lines in Telegram: staff invitations, group chats bound to support groups, one live card per ticket."""
