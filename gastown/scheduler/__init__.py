"""The scheduler: slings beyond the polecat caps wait in a queue and start as slots free."""
