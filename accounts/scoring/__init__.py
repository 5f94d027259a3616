"""Lead scoring: scoring models with interaction and field rules, scores computed by
workers (incrementally after each activity and in a scheduled full recompute), each score's
explanation, the daily history, and qualification at the sales-ready threshold."""
