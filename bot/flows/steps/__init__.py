"""Steps that several flows share: questions, receipts, plain-words checks, reply codes,
the welcome. Flows import these, never each other."""
