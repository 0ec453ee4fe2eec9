"""What a manager runs from the command line: imports, invites, reports."""
