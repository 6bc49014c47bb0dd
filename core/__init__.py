"""driftlab core engine."""
