"""The national weapon register (ITI para 8 data, the national marking, search by any mark,
reconciliation with what counts and marking checks see, lost and stolen alerts)."""
