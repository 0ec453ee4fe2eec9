"""The edge: the only code that imports telegram or twilio or speaks their HTTP formats."""
