"""The lead lifecycle: status changes with their history, the sales actions on a lead
(accept, convert to an opportunity, return to marketing, disqualify), the disqualify
reasons admins keep and the leads pipeline.

``services.lead_status_change`` is the one door every lead status change goes through.
"""
