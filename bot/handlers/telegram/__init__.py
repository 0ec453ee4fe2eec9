"""The Telegram edge: updates in, Bot API calls out."""
