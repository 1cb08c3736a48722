"""Services of the telework platform; `services.shared` holds the plumbing they all use."""
