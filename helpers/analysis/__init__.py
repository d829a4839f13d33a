"""The numbers behind every sentence: monthly series (reported and derived), comparisons, values,
reconciliation, outlook, and the statements a report makes with the one judge of whether each holds."""
