"""The SMS edge: Twilio webhooks in, Twilio messages out."""
