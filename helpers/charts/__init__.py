"""The house's figures: one plotting style, its colours, events on the time axis, and each figure
with its title, inline SVG and the CSV of its values beside."""
