"""`python -m bot` runs the keyperson command."""

from bot.cli import main

raise SystemExit(main())
