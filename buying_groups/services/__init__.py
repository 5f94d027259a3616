"""Every write of the buying_groups app, one module per area."""
