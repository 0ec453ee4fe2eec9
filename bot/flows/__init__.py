"""Pure conversation state machines: step(state, event, now) -> Transition."""
