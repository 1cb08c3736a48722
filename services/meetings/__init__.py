"""Electronic-meeting compliance (R-MTG-1..5, seed §7.3–§7.5)."""
