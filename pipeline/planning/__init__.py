"""`copar planning`: time slots for the bilans tripartites and the order of passage before juries."""
