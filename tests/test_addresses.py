"""Addresses: what counts as valid, and how jury members' cells are read."""

from __future__ import annotations

import pytest

from pipeline.sending.addresses import parse_member, recipient, unique, valid_address


@pytest.mark.parametrize(("text", "ok"), [
    ("yves.bonny@univ-rennes2.fr", True),
    (" gaelle.lhote@example.org ", True),
    ("prenom+copar@sub.example.co.uk", True),
    ("", False),
    ("yves.bonny", False),
    ("yves bonny@univ-rennes2.fr", False),
    ("yves@localhost", False),
    ("a..b@example.org", False),
    ("Yves <yves@example.org>", False),
    ("yves@exa_mple.org", False),
])
def test_valid_address(text: str, ok: bool) -> None:
    assert valid_address(text) is ok


@pytest.mark.parametrize(("cell", "expected"), [
    ("Karim Haddad, maître de conférences en sociologie", ("Karim Haddad", "")),
    ("Karim Haddad <karim.haddad@example.org>, maître de conférences", ("Karim Haddad", "karim.haddad@example.org")),
    ("Hélène Marchetti, professionnelle associée (helene@example.org)", ("Hélène Marchetti", "helene@example.org")),
    ("Claire Guillou", ("Claire Guillou", "")),
])
def test_parse_member(cell: str, expected: tuple[str, str]) -> None:
    assert parse_member(cell) == expected


def test_recipient_keeps_the_name_without_a_valid_address() -> None:
    r = recipient("Aïssatou N'Diaye", "pas une adresse", "étudiant·e")
    assert (r.ok, r.name, r.address, r.display()) == (False, "Aïssatou N'Diaye", "", "Aïssatou N'Diaye (sans adresse)")
    twice = [recipient("A", "a@example.org"), recipient("A bis", "A@example.org"), recipient("B", ""), recipient("b", "")]
    assert [x.name for x in unique(twice)] == ["A", "B"]
