"""`gt top`: a live view of the town for the Overseer (agents, convoys, queue, feed)."""
