"""What Keyperson is about: messages, people, the setting, time."""
