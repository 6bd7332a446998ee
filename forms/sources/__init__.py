"""The forms shipped with depotsync, as Python data (see common.py for the vocabulary)."""

from forms.sources.closeout import CLOSE_OUT, RECORDS_AUDIT
from forms.sources.crates import (
    CRATE_COUNT,
    CRATE_COUNT_BLIND,
    CRATE_COUNT_BLIND_ONE,
    CRATE_COUNT_ONE,
    CRATE_REGISTRATION,
    CRATE_REGISTRATION_ONE,
    MARKING_CHECK,
)
from forms.sources.registers import ACCESS_LOG, ALARM_LOG, KEY_REGISTER, PATROL_LOG
from forms.sources.safety import AMMO_CONDITION, STORAGE_SAFETY
from forms.sources.visit import SECURITY_CHECK, VISIT_HEADER
from forms.sources.vouchers import STOCK_VOUCHER
from forms.sources.weapons import WEAPON_REGISTRATION

SHIPPED = (VISIT_HEADER, SECURITY_CHECK, RECORDS_AUDIT, CRATE_COUNT, CRATE_COUNT_BLIND,
           CRATE_REGISTRATION, CRATE_COUNT_ONE, CRATE_COUNT_BLIND_ONE, CRATE_REGISTRATION_ONE,
           MARKING_CHECK, CLOSE_OUT, KEY_REGISTER, ACCESS_LOG, ALARM_LOG, PATROL_LOG,
           STORAGE_SAFETY, AMMO_CONDITION, STOCK_VOUCHER,
           WEAPON_REGISTRATION)
