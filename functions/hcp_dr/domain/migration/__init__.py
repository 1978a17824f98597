"""Migration of a hosted cluster to another management cluster (guide 4.2, DOMAIN.md).

One module per stage group; every stage is one call for its Lambda handler, takes its clients
as parameters, and is safe to run twice: it checks before it changes, writes deterministic
names, and marks what it creates with the migration id so a rerun or the compensation finds it.
"""
