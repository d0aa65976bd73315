"""The planners on random promotions (hypothesis): nobody in two places, slots inside the
windows, unavailabilities respected, same input same plan, impossible cases reported."""

from __future__ import annotations

import datetime as dt
from itertools import combinations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.planning.jurys import Pending, plan_juries
from pipeline.planning.tripartites import TripartiteOptions, plan_tripartites
from pipeline.workbook.model import Dataset, Promotion, Student, TripartiteReview, Tutor, Unavailability

DAYS = [dt.date(2024, 6, 6), dt.date(2024, 6, 7)]
STAFF = ["Claire Guillou", "Karim Haddad", "Hélène Marchetti", "Sophie Kervella"]
WINDOW_CHOICES = [((540, 750), (840, 1050)), ((540, 720),), ((600, 660), (840, 960))]
PROMOTION = Promotion("M2", "COPAR", "20e", "2023-2024", "Rennes 2", "Yves Bonny", accompagnement="Pascale Perron")


def _tutor(i: int) -> Tutor:
    return Tutor(f"Tuteur{i}", f"Prénom{i}", f"tuteur{i}@example.org")


@st.composite
def promotions(draw: st.DrawFn) -> tuple[Dataset, TripartiteOptions]:
    n = draw(st.integers(1, 14))
    tutors = draw(st.integers(1, 6))
    windows = draw(st.sampled_from(WINDOW_CHOICES))
    days = draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=2, unique=True))
    duration = draw(st.sampled_from([30, 45, 60]))
    pause = draw(st.sampled_from([0, 15]))
    students = [Student(f"2200{i:04d}", f"Nom{i}", f"Prénom{i}", f"e{i}@example.fr", "stage", "Structure",
                        _tutor(draw(st.integers(0, tutors - 1))), "Mission", dt.date(2023, 11, 20),
                        dt.date(2024, 4, 30), tuteur_memoire=draw(st.sampled_from(STAFF)))
                for i in range(n)]
    reviews = []
    for s in students:  # some reviews already have their slot (any time of the day, as typed by staff)
        if draw(st.integers(0, 4)) == 0:
            reviews.append(TripartiteReview(s.numero, draw(st.sampled_from(DAYS)),
                                            dt.time(draw(st.integers(8, 17)), draw(st.sampled_from([0, 15, 30, 45])))))
    people = [s.tuteur.courriel for s in students] + [s.nom_complet for s in students] + STAFF
    off = []
    for row in range(draw(st.integers(0, 5))):
        start = draw(st.integers(8, 16))
        off.append(Unavailability(draw(st.sampled_from(people)), draw(st.sampled_from(DAYS)),
                                  dt.time(start, 0), dt.time(start + draw(st.integers(1, 4)), 0), row + 2))
    ds = Dataset(PROMOTION, students=students, tripartites=reviews, unavailabilities=off)
    return ds, TripartiteOptions(sorted(days), windows, duration, pause)


def _who(ds: Dataset, numero: str) -> set[str]:
    s = ds.student(numero)
    return {f"s:{numero}", f"t:{s.tuteur.courriel}", f"p:{s.tuteur_memoire}"}


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(promotions())
def test_random_promotions(case: tuple[Dataset, TripartiteOptions]) -> None:
    ds, options = case
    plan = plan_tripartites(ds, options)
    fixed = {r.numero for r in ds.tripartites}
    # every student without a slot is either placed or reported with a reason; the others are left alone
    assert {p.numero for p in plan.placed} | {u.numero for u in plan.unplaced} == {s.numero for s in ds.students} - fixed
    assert not {p.numero for p in plan.placed} & {u.numero for u in plan.unplaced}
    assert all(u.reason for u in plan.unplaced)
    # inside the declared days and windows, the right length, the student's own teaching-team member
    for p in plan.placed:
        start, end = _minutes(p.start), _minutes(p.end)
        assert p.day in options.days
        assert end - start == options.duration
        assert any(a <= start and end <= b for a, b in options.windows)
        assert p.others == (ds.student(p.numero).tuteur_memoire,)
    # nobody in two places at once, and a pause between two reviews of one person
    # (reviews typed in the workbook may clash with one another: only new placements are checked)
    booked = [(p.day, _minutes(p.start), _who(ds, p.numero), True) for p in plan.placed]
    booked += [(r.date, _minutes(r.heure), _who(ds, r.numero), False) for r in ds.tripartites if r.date and r.heure]
    for (d1, s1, w1, new1), (d2, s2, w2, new2) in combinations(booked, 2):
        if d1 == d2 and w1 & w2 and (new1 or new2):
            assert s1 + options.duration + options.pause <= s2 or s2 + options.duration + options.pause <= s1
    # declared unavailabilities respected
    for u in ds.unavailabilities:
        key = f"t:{u.personne}" if "@" in u.personne else None
        for p in plan.placed:
            s = ds.student(p.numero)
            concerned = key == f"t:{s.tuteur.courriel}" or u.personne in (s.nom_complet, s.tuteur_memoire)
            if concerned and p.day == u.date:
                assert _minutes(p.end) <= _minutes(u.de) or _minutes(u.a) <= _minutes(p.start)  # type: ignore[arg-type]
    # same input, same plan
    assert plan_tripartites(ds, options) == plan


def _student(i: int, tutor: Tutor, memoire: str) -> Student:
    return Student(f"2300{i:04d}", f"Nom{i}", f"Prénom{i}", f"e{i}@example.fr", "stage", "S", tutor, "M",
                   dt.date(2023, 11, 20), dt.date(2024, 4, 30), tuteur_memoire=memoire)


def test_infeasible_case_is_reported_with_who_was_not_free() -> None:
    """Three students, one teaching-team member, one slot: one placed, two reported with the reason."""
    students = [_student(i, _tutor(i), "Claire Guillou") for i in range(3)]
    ds = Dataset(PROMOTION, students=students)
    plan = plan_tripartites(ds, TripartiteOptions([DAYS[0]], ((540, 585),), 45, 15))
    assert [(p.numero, p.start) for p in plan.placed] == [("23000000", dt.time(9, 0))]
    assert [u.numero for u in plan.unplaced] == ["23000001", "23000002"]
    assert plan.unplaced[0].reason == (
        "le seul créneau possible ne convient pas à tout le monde — Claire Guillou (équipe pédagogique) déjà pris·e "
        "sur 1 créneau. "
        "Ajoutez un jour ou une plage, ou allégez les indisponibilités.")


def test_most_constrained_student_first() -> None:
    """A needs Claire at 9h or 10h; B (Claire too) has a tutor away at 10h: B must take 9h, A 10h."""
    a, b = _student(0, _tutor(0), "Claire Guillou"), _student(1, _tutor(1), "Claire Guillou")
    off = [Unavailability(b.tuteur.courriel, DAYS[0], dt.time(10, 0), dt.time(11, 0), 2)]
    ds = Dataset(PROMOTION, students=[a, b], unavailabilities=off)
    plan = plan_tripartites(ds, TripartiteOptions([DAYS[0]], ((540, 660),), 45, 15))
    assert sorted((p.numero, p.start) for p in plan.placed) == [("23000000", dt.time(10, 0)), ("23000001", dt.time(9, 0))]
    assert plan.unplaced == []


def test_a_tutors_students_follow_one_another() -> None:
    shared = _tutor(9)
    students = [_student(0, _tutor(0), "Karim Haddad"), _student(1, shared, "Claire Guillou"),
                _student(2, _tutor(2), "Karim Haddad"), _student(3, shared, "Sophie Kervella")]
    ds = Dataset(PROMOTION, students=students)
    plan = plan_tripartites(ds, TripartiteOptions(DAYS, ((540, 750), (840, 1050)), 45, 15))
    times = sorted(_minutes(p.start) for p in plan.placed if p.group == shared.nom_complet)
    assert times[1] - times[0] == 60


def test_unknown_person_in_disponibilites_is_a_note() -> None:
    ds = Dataset(PROMOTION, students=[_student(0, _tutor(0), "Claire Guillou")],
                 unavailabilities=[Unavailability("Personne Inconnue", DAYS[0], None, None, 4)])
    plan = plan_tripartites(ds, TripartiteOptions([DAYS[0]], ((540, 750),), 45, 15))
    assert plan.notes == ["Disponibilités, ligne 4, colonne Personne : « Personne Inconnue » ne correspond à aucun·e "
                          "étudiant·e, tuteur·rice ni membre de l'équipe pédagogique ou d'un jury ; cette "
                          "indisponibilité n'est pas prise en compte. Corrigez le courriel ou le nom."]


JURY_PEOPLE = ["Claire Guillou", "Karim Haddad", "Mathieu Renaud", "Sophie Kervella", "Hélène Marchetti"]


@st.composite
def jury_days(draw: st.DrawFn) -> tuple[Dataset, list[Pending], int, int]:
    from pipeline.workbook.model import Defense, Jury

    names = [f"Jury {c}" for c in "ABCD"[: draw(st.integers(1, 4))]]
    juries = []
    for row, name in enumerate(names, start=2):
        members = draw(st.lists(st.sampled_from(JURY_PEOPLE), min_size=1, max_size=3, unique=True))
        juries.append(Jury(name, draw(st.sampled_from(DAYS)), members[0], membres=tuple(members[1:]), row=row))
    n = draw(st.integers(1, 12))
    students = [_student(i, _tutor(draw(st.integers(0, 3))), "") for i in range(n)]
    defenses, pending = [], []
    for row, s in enumerate(students, start=2):
        jury = draw(st.sampled_from(names))
        if draw(st.booleans()):
            pending.append(Pending(row, s.numero, jury))
        else:
            defenses.append(Defense(s.numero, jury, dt.time(draw(st.integers(8, 12)), draw(st.sampled_from([0, 30]))),
                                    row=row))
    off = [Unavailability(draw(st.sampled_from(JURY_PEOPLE)), draw(st.sampled_from(DAYS)), dt.time(9, 0),
                          dt.time(10, 0), 2)] if draw(st.booleans()) else []
    ds = Dataset(PROMOTION, students=students, juries=juries, defenses=defenses, unavailabilities=off)
    return ds, pending, draw(st.sampled_from([480, 540, 840])), draw(st.sampled_from([20, 30, 45]))


@settings(max_examples=150, deadline=None)
@given(jury_days())
def test_random_juries(case: tuple[Dataset, list[Pending], int, int]) -> None:
    ds, pending, start, duration = case
    plan = plan_juries(ds, pending, start, duration)
    assert sorted(p.numero for p in plan.placed) + sorted(u.numero for u in plan.unplaced) == \
        sorted(p.numero for p in pending)
    juries = {j.jury: j for j in ds.juries}

    def who(numero: str, jury: str) -> set[str]:
        j = juries[jury]
        return {f"jury:{jury}", j.president, *j.membres, ds.student(numero).tuteur.courriel}

    new = {p.numero for p in plan.placed}
    booked = [(p.day, _minutes(p.start), who(p.numero, p.group), p.numero) for p in plan.placed]
    booked += [(juries[d.jury].date, _minutes(d.heure), who(d.numero, d.jury), d.numero) for d in ds.defenses]
    for p in plan.placed:
        assert p.day == juries[p.group].date and _minutes(p.start) >= start
        assert _minutes(p.end) - _minutes(p.start) == duration
    for (d1, s1, w1, n1), (d2, s2, w2, n2) in combinations(booked, 2):
        if d1 == d2 and w1 & w2 and (n1 in new or n2 in new):
            assert s1 + duration <= s2 or s2 + duration <= s1
    for u in ds.unavailabilities:
        for p in plan.placed:
            if u.personne in who(p.numero, p.group) and p.day == u.date:
                assert _minutes(p.end) <= 9 * 60 or 10 * 60 <= _minutes(p.start)
    assert plan_juries(ds, pending, start, duration) == plan


def test_reviews_already_clashing_in_the_workbook_are_noted() -> None:
    tutor = _tutor(0)
    a, b = _student(0, tutor, "Claire Guillou"), _student(1, tutor, "Karim Haddad")
    reviews = [TripartiteReview(a.numero, DAYS[0], dt.time(9, 0), row=2),
               TripartiteReview(b.numero, DAYS[0], dt.time(9, 30), row=3)]
    plan = plan_tripartites(Dataset(PROMOTION, students=[a, b], tripartites=reviews), TripartiteOptions([DAYS[0]]))
    assert plan.placed == [] and plan.unplaced == []
    assert plan.notes == ["Bilans tripartites, ligne 3 : Prénom0 Tuteur0 a déjà le bilan de Prénom0 Nom0 le 06/06 à "
                          "9h00 à la même heure (ou sans pause) ; déplacez l'un des deux entretiens."]
