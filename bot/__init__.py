"""Keyperson: messaging between an early years setting and its families."""

__version__ = "0.1.0"
