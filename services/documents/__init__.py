"""Official documents (issue #17, R-ORD-3): the head's order as a Thai government document."""
