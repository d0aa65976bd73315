"""`copar suivi`: where each student stands in the year, and what is late."""
