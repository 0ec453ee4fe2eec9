"""Durable storage behind small domain-named repositories."""
