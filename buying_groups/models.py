"""Buying groups: role templates, groups, members and their scores."""
