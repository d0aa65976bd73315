"""Getting documents to people: mail drafts, calendars, print bundles and archives (offline only)."""
