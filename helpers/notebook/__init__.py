"""What a notebook declares and gets: its parameters, validated and resolved once, and the rules
for its chapters."""
