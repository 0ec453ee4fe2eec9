"""The demo's simulator page: two phones on the real parsers, flows and outbox."""
