"""Analytics over the activity stream: journeys, cohorts and flows."""
