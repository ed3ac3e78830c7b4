"""Life after day one of a team space: status (drift, orphans), changing it (remove a region,
set owners, cost center and CI repositories) and offboarding (delete)."""
