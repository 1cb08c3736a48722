"""Identity and policy: agencies, officials, supervisor chains, roles, acting heads,
policies, eligibility (R-POL, R-ELIG)."""
