"""Words: message catalogs, plain words, SMS segments, choices and times as people type them."""
