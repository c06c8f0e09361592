"""What staff get from the bot besides the line chat's cards: SLA alarms, private notices, staff commands."""
