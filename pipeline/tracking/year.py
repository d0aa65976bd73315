"""The year's steps, from the Calendrier sheet: what each one is, when, and where it stands today.

A step is one Calendrier event. Its state on `today`: « à venir » before it starts, « en cours »
while it runs, « passé » after it ends. Where the follow-up has items for it (the bilans of a
period, the tripartite reviews, the juries), the step also counts them received and late, so the
page can say « 3 en retard » beside the period that ended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.tracking.status import EN_RETARD, INUTILISABLE, RECU, StudentState
from pipeline.workbook.model import Dataset

A_VENIR, EN_COURS, PASSE = "à venir", "en cours", "passé"
# Calendrier key → follow-up item key
ITEM_OF = {**{f"periode_{n}": f"bilan_{n}" for n in range(1, 7)}, "bilan_tripartite": "tripartite",
           "rapport_mission": "rapport", "jury": "jury", "cahier_des_charges": "cahier"}


@dataclass(frozen=True)
class Step:
    key: str  # the Calendrier's Clé
    title: str  # its Événement
    start: dt.date
    end: dt.date
    state: str  # A_VENIR, EN_COURS or PASSE
    received: int = 0  # follow-up items of this step received
    late: int = 0  # … late (or unusable)
    expected: int = 0  # … due for some student (not « non dû »)

    @property
    def when(self) -> str:
        if self.end == self.start:
            return f"{self.start:%d/%m/%Y}"
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"


def steps(ds: Dataset, states: list[StudentState], today: dt.date) -> list[Step]:
    """Every Calendrier event in date order, with its state on `today` and its follow-up counts."""
    result = []
    for event in sorted(ds.calendar.values(), key=lambda e: (e.debut, e.cle)):
        end = event.fin or event.debut
        state = A_VENIR if today < event.debut else EN_COURS if today <= end else PASSE
        item = ITEM_OF.get(event.cle)
        items = [i for st in states for i in st.items if i.key == item and i.state != "non dû"] if item else []
        result.append(Step(event.cle, event.evenement, event.debut, end, state,
                           received=sum(1 for i in items if i.state == RECU),
                           late=sum(1 for i in items if i.state in (EN_RETARD, INUTILISABLE)),
                           expected=len(items)))
    return result


def next_step(all_steps: list[Step]) -> Step | None:
    """The step to act on now: the first one with something late, else the first not yet passed."""
    for step in all_steps:
        if step.late:
            return step
    return next((s for s in all_steps if s.state != PASSE), None)
