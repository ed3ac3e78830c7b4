"""Pure planning: names, tags, CIDR allocation, waves, cost and policy. No I/O here."""
