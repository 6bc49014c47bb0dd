"""driftlab dashboard: Panel views over the core engine."""
