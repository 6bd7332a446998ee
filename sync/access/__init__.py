"""Who may do what, where: the roles' permissions, the Principal every door builds, the
two-person rule, and the lookups that hide what is outside a principal's country or depots."""
