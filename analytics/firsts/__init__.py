"""Lifecycle firsts: each account's first time at each lifecycle fact, and the nearest
touches around it, kept current by a change listener (analytics.firsts.refresh)."""
