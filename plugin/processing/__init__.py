"""Processing provider `cisc`: thin adapters onto plugin/core."""
