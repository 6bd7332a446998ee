"""The PSSM programme: depot development (baseline, works, SOPs), the indicators computed
from the books and inspections, and what a country releases to a programme partner."""
