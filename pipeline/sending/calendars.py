"""iCalendar files: the promotion's calendar, and each student's, tutor's and jury's own dates.

Timed events are in Europe/Paris with a VTIMEZONE, so a meeting at 14 h stays at 14 h on
either side of a daylight-saving change. The VTIMEZONE is written here, in the rule form
every client reads (DAYLIGHT from the last Sunday of March, STANDARD from the last Sunday
of October, each an RRULE since 1970): icalendar's own, a list of RDATEs made from
zoneinfo, is read an hour off all summer by vobject-based clients (Radicale…). A Calendrier row
whose Horaire is not a time range ("environ 45 min") or that spans several days is an
all-day event. UIDs are derived from the promotion, the event's key and the person, so that
importing a newer file updates the events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard
from icalendar import Event as VEvent

from pipeline.documents.catalogue import Layout
from pipeline.documents.formats import horaire_fr, slug, time_fr, time_span
from pipeline.files import write_bytes_atomically
from pipeline.workbook.model import Dataset, Event, Jury, Student, Tutor
from pipeline.workbook.parse import one_line, without_address
from pipeline.workbook.schema import normalize

PARIS = ZoneInfo("Europe/Paris")
TRIPARTITE_MINUTES = 45  # handbook: "sur une durée de 45 min environ"
DEFAULT_PASSAGE_MINUTES = 30  # the last passage of a jury, when nothing follows it
FOLDER = PurePosixPath("calendriers")


@dataclass(frozen=True)
class Entry:
    """One calendar event, before it becomes a VEVENT."""

    key: str  # stable: the Calendrier key, "tripartite-<n°>", "soutenance-<n°>", "jury-<name>"
    summary: str
    start: dt.date | dt.datetime
    end: dt.date | dt.datetime  # exclusive for all-day events, as iCalendar wants
    location: str = ""
    description: str = ""


def hours(text: str) -> tuple[dt.time, dt.time] | None:
    """"14h–16h30" → (14:00, 16:30); None when Horaire is not a time range (documents.formats.time_span)."""
    return time_span(text)


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=PARIS)


def row_entry(e: Event) -> Entry:
    """One Calendrier row: timed when it is one day with a time range, else all-day."""
    span = hours(e.horaire)
    last = e.fin or e.debut
    description = horaire_fr(e.horaire) if span is None else ""
    if e.public != "tous":
        description = "; ".join(filter(None, [description, f"Pour : {e.public}"]))
    if span is not None and last == e.debut:
        return Entry(e.cle, e.evenement, _at(e.debut, span[0]), _at(e.debut, span[1]), e.lieu, description)
    if span is not None:
        description = "; ".join(filter(None, [f"Horaire : {horaire_fr(e.horaire)}", description]))
    return Entry(e.cle, e.evenement, e.debut, last + dt.timedelta(days=1), e.lieu, description)


def tripartite_entry(ds: Dataset, s: Student) -> Entry | None:
    """The student's bilan tripartite (sheet Bilans tripartites), 45 minutes, or None if not planned."""
    t = ds.tripartite_of(s.numero)
    if t is None or t.date is None:
        return None
    summary = f"Bilan tripartite — {s.nom_complet}"
    description = f"Étudiant·e : {s.nom_complet}\nTuteur·rice : {s.tuteur.nom_complet}"
    if t.participants:
        description += f"\nParticipant·es : {t.participants}"
    if t.heure is None:
        return Entry(f"tripartite-{s.numero}", summary, t.date, t.date + dt.timedelta(days=1), "", description)
    start = _at(t.date, t.heure)
    return Entry(f"tripartite-{s.numero}", summary, start, start + dt.timedelta(minutes=TRIPARTITE_MINUTES), "", description)


def _passage_end(ds: Dataset, jury: str, heure: dt.time, day: dt.date) -> dt.datetime:
    later = [d.heure for d in ds.defenses_of(jury) if d.heure > heure]
    if later:
        return _at(day, min(later))
    return _at(day, heure) + dt.timedelta(minutes=DEFAULT_PASSAGE_MINUTES)


def soutenance_entry(ds: Dataset, s: Student) -> Entry | None:
    """The student's passage before their jury (Soutenances heure, Jurys date and place)."""
    d = ds.defense_of(s.numero)
    jury = ds.jury(d.jury) if d else None
    if d is None or jury is None:
        return None
    description = f"{jury.jury} — président·e : {without_address(jury.president)}"
    if jury.membres:
        description += "\nMembres : " + "; ".join(without_address(m) for m in jury.membres)
    return Entry(f"soutenance-{s.numero}", f"Soutenance — {s.nom_complet} ({jury.jury})",
                 _at(jury.date, d.heure), _passage_end(ds, jury.jury, d.heure, jury.date), jury.lieu, description)


def jury_entry(ds: Dataset, jury: Jury) -> Entry:
    """A jury's session: from its first passage to the end of its last, or all day."""
    defenses = ds.defenses_of(jury.jury)
    order = "\n".join(f"{time_fr(d.heure)} : {ds.student(d.numero).nom_complet}" for d in defenses)
    description = f"Président·e : {without_address(jury.president)}" + (f"\nOrdre de passage :\n{order}" if order else "")
    if not defenses:
        return Entry(f"jury-{jury.jury}", jury.jury, jury.date, jury.date + dt.timedelta(days=1), jury.lieu, description)
    last = defenses[-1]
    return Entry(f"jury-{jury.jury}", f"{jury.jury} — soutenances", _at(jury.date, defenses[0].heure),
                 _passage_end(ds, jury.jury, last.heure, jury.date), jury.lieu, description)


def _public_of(s: Student) -> str:
    return "formation continue" if s.formation_continue else "stage"


def student_entries(ds: Dataset, s: Student) -> list[Entry]:
    """The calendar rows that concern the student, then their tripartite slot and soutenance."""
    rows = [row_entry(e) for e in _ordered(ds) if e.public in ("tous", _public_of(s))]
    return rows + [e for e in (tripartite_entry(ds, s), soutenance_entry(ds, s)) if e is not None]


def tutor_entries(ds: Dataset, students: list[Student]) -> list[Entry]:
    """The tutors' meeting, then each of their students' tripartite slot and soutenance."""
    meeting = ds.calendar.get("reunion_tuteurs")
    entries = [row_entry(meeting)] if meeting else []
    for s in students:
        entries += [e for e in (tripartite_entry(ds, s), soutenance_entry(ds, s)) if e is not None]
    return entries


def team_entries(ds: Dataset) -> dict[str, list[Entry]]:
    """Each person of the sheet Équipe who has a date: the bilans tripartites they sit in, the juries they are on."""
    from pipeline.planning.people import bare_name, staff_of

    def key(name: str) -> str:
        return " ".join(sorted(normalize(w) for w in bare_name(without_address(name)).split() if normalize(w)))

    result: dict[str, list[Entry]] = {}
    for member in ds.equipe:
        mine = key(member.nom)
        entries = [e for s in ds.students
                   if any(key(p.label) == mine for p in staff_of(s, ds.tripartite_of(s.numero), ds))
                   and (e := tripartite_entry(ds, s)) is not None]
        entries += [jury_entry(ds, j) for j in ds.juries if mine in {key(j.president), *(key(m) for m in j.membres)}]
        if entries:
            result[member.nom] = entries
    return result


def _ordered(ds: Dataset) -> list[Event]:
    return sorted(ds.calendar.values(), key=lambda e: (e.debut, e.row))


def uid(ds: Dataset, key: str, person: str) -> str:
    """Stable across runs: the same promotion, event and person give the same UID."""
    p = ds.promotion
    digest = hashlib.sha256(f"{p.parcours}|{p.promotion}|{p.annee}|{key}|{person}".encode()).hexdigest()[:16]
    return f"{slug(key, 40)}-{slug(person, 40)}-{digest}@copar"


# (part, first change, month of the change, UTC offset before and after in hours, name)
_PARIS_RULES = ((TimezoneDaylight, dt.datetime(1970, 3, 29, 2), 3, 1, 2, "CEST"),
                (TimezoneStandard, dt.datetime(1970, 10, 25, 3), 10, 2, 1, "CET"))


def paris_timezone() -> Timezone:
    """Europe/Paris as two yearly rules: the EU's since 1996, stated from 1970 as clients write it."""
    tz = Timezone()
    tz.add("tzid", "Europe/Paris")
    tz.add("x-lic-location", "Europe/Paris")
    for kind, start, month, before, after, name in _PARIS_RULES:
        part = kind()
        part.add("tzname", name)
        part.add("tzoffsetfrom", dt.timedelta(hours=before))
        part.add("tzoffsetto", dt.timedelta(hours=after))
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        tz.add_component(part)
    return tz


def to_ics(ds: Dataset, entries: list[Entry], person: str, name: str, stamp: dt.datetime | None = None) -> bytes:
    """An iCalendar file of `entries`, with the VTIMEZONE of the timed ones."""
    cal = Calendar()
    cal.add("prodid", "-//Université Rennes 2//copar//FR")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", one_line(name))
    cal.add("method", "PUBLISH")  # as the mails' Content-Type says (RFC 5545: the two must agree)
    cal.add("x-wr-timezone", "Europe/Paris")
    if any(isinstance(entry.start, dt.datetime) for entry in entries):
        cal.add_component(paris_timezone())
    stamp = stamp or dt.datetime.now(dt.UTC).replace(microsecond=0)
    for entry in entries:
        event = VEvent()
        event.add("uid", uid(ds, entry.key, person))
        event.add("dtstamp", stamp)
        event.add("summary", one_line(entry.summary))  # a line break would be a second line in every client
        event.add("dtstart", entry.start)
        event.add("dtend", entry.end)
        if entry.location:
            event.add("location", one_line(entry.location))
        if entry.description:
            event.add("description", entry.description)
        if not isinstance(entry.start, dt.datetime):
            event.add("transp", "TRANSPARENT")  # a deadline or a period does not make anyone busy
        cal.add_component(event)
    return cal.to_ical()


def tutor_person(t: Tutor) -> str:
    return f"tuteur-{t.key}"


def student_person(s: Student) -> str:
    return f"etudiant-{s.numero}"


def tutor_stem(layout: Layout, t: Tutor) -> str:
    """tuteur-<nom>-<prenom>, unique (a homonym gets -2), as the invitations are named."""
    return "tuteur-" + layout.tutors[t.key].removeprefix("invitation-")


def write_calendars(ds: Dataset, out: Path) -> list[Path]:
    """outputs/calendriers/: promotion.ics, etudiants/<folder>.ics, tuteurs/<tuteur>.ics, jurys/<jury>.ics,
    equipe/<nom>.ics (a person of the sheet Équipe: their bilans tripartites and juries)."""
    layout = Layout.of(ds)
    title = f"{ds.promotion.parcours} — {ds.promotion.annee}"
    files: dict[PurePosixPath, bytes] = {
        FOLDER / "promotion.ics": to_ics(ds, [row_entry(e) for e in _ordered(ds)], "promotion", title),
    }
    for s in ds.students:
        files[FOLDER / "etudiants" / f"{layout.students[s.numero]}.ics"] = to_ics(
            ds, student_entries(ds, s), student_person(s), f"COPAR — {s.nom_complet}")
    for t, students in ds.tutors():
        files[FOLDER / "tuteurs" / f"{tutor_stem(layout, t)}.ics"] = to_ics(
            ds, tutor_entries(ds, students), tutor_person(t), f"COPAR — {t.nom_complet}")
    for j in ds.juries:
        files[FOLDER / "jurys" / f"{layout.juries[j.jury]}.ics"] = to_ics(
            ds, [jury_entry(ds, j)], f"jury-{j.jury}", f"COPAR — {j.jury}")
    for name, entries in team_entries(ds).items():
        files[FOLDER / "equipe" / f"{slug(name, 60)}.ics"] = to_ics(ds, entries, f"equipe-{name}", f"COPAR — {name}")
    record = _read_record(out)
    written = []
    for rel, data in files.items():
        path = out / rel
        if not _same_event_data(path, data):  # DTSTAMP aside: an unchanged agenda is not rewritten
            write_bytes_atomically(path, data)
        written.append(path)
    kept = {rel.as_posix(): _sha(out / rel) for rel in files}
    for name, sha in record.items():  # copar's own agendas of people no longer there (or renamed), unchanged
        path = out / name
        if name not in kept and _ours(name) and path.is_file() and _sha(path) == sha:
            path.unlink()
    write_bytes_atomically(out / FOLDER / RECORD, json.dumps(kept, indent=1, sort_keys=True).encode("utf-8"))
    return written


RECORD = ".copar-agendas.json"  # what write_calendars wrote: path → SHA-256


def _ours(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return parts[:1] == FOLDER.parts and ".." not in parts


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _read_record(out: Path) -> dict[str, str]:
    try:
        data = json.loads((out / FOLDER / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


_DTSTAMP = re.compile(rb"^DTSTAMP[:;].*?\r?\n", re.MULTILINE)


def _same_event_data(path: Path, data: bytes) -> bool:
    try:
        return _DTSTAMP.sub(b"", path.read_bytes()) == _DTSTAMP.sub(b"", data)
    except OSError:
        return False


def written_before(out: Path) -> bool:
    """Whether `copar calendriers` wrote agendas in this output folder (a build then keeps them current)."""
    return (out / FOLDER / RECORD).is_file()
