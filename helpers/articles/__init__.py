"""News articles checked against the data: claims drafted from an article's text, judged as known
on its day, sources that disagree, and the verdicts as a reader sees them."""
