"""What a report says: the facts of a month, a span or a destination in words, each with its
status and sources, and what page 1 leads with."""
