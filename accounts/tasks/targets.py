"""Tasks for target accounts: rollups and targeting rules."""
