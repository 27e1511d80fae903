"""Geocoding of addresses as callers say them: diacritics, typos, alleys, ambiguity."""

from __future__ import annotations

from typing import Any

import pytest

from twin.dispatch import ACCEPT_CONFIDENCE, fold, geocode
from twin.dispatch.geocode import parse_address


def test_fold_strips_diacritics_and_d() -> None:
    assert fold("Đường Lê Văn Hưu, P.Thuận Lộc") == "duong le van huu p thuan loc"
    assert fold("  KIỆT   32 ") == "kiet 32"


@pytest.mark.parametrize(
    ("text", "house", "alley", "alley_house"),
    [
        ("kiet 32 le van huu", None, 32, None),
        ("Kiệt 32/5 Lê Văn Hưu", None, 32, 5),
        ("32/5 Lê Văn Hưu", None, 32, 5),
        ("hẻm 12 Lê Lợi", None, 12, None),
        ("số 15 Lê Lợi", 15, None, None),
        ("Lê Lợi", None, None, None),
    ],
)
def test_parse_address(
    text: str, house: int | None, alley: int | None, alley_house: int | None
) -> None:
    p = parse_address(text)
    assert (p.house, p.alley, p.alley_house) == (house, alley, alley_house)


@pytest.mark.parametrize(
    "text",
    ["kiet 32 le van huu thuan loc", "Kiệt 32 Lê Văn Hưu", "K32 Le Van Huu, P. Thuan Loc"],
)
def test_alley_by_kiet(index: Any, at: Any, text: str) -> None:
    r = geocode(text, index)
    assert r.status == "matched"
    best = r.best
    assert best is not None and best.road_id == "A-LVH-32" and best.ward_id == "W01"
    assert (best.x, best.y) == pytest.approx(at(300, 400))  # the alley's mouth


def test_house_in_alley(index: Any, at: Any) -> None:
    r = geocode("32/5 Lê Văn Hưu", index)
    assert r.status == "matched" and r.best is not None
    assert r.best.road_id == "A-LVH-32"
    # house 5 of 1..20 along 100 m: (5 - 1) / 19 of the way north
    assert (r.best.x, r.best.y) == pytest.approx(at(300, 400 + 100 * 4 / 19))


@pytest.mark.parametrize(
    "text", ["25 Lê Văn Hưu", "25 le van huu", "25 Le Vna Huu", "25 lê văn hữu"]
)
def test_house_number_with_and_without_diacritics_and_typos(index: Any, at: Any, text: str) -> None:
    r = geocode(text, index)
    assert r.status == "matched" and r.best is not None
    assert r.best.road_id == "R400-1a"  # houses 21..31 from x=200 to x=300
    assert (r.best.x, r.best.y) == pytest.approx(at(200 + 100 * 4 / 10, 400))
    assert r.best.confidence >= ACCEPT_CONFIDENCE


def test_ward_named_picks_the_right_part(index: Any) -> None:
    r = geocode("5 Le Loi, phuong Vinh Ninh", index)
    # house 5 is on the western segment (W01): the ward named says otherwise, so no auto-accept
    assert r.candidates[0].ward_id == "W01"
    assert r.candidates[0].detail["ward_factor"] == 0.7
    r = geocode("45 Le Loi vinh ninh", index)
    assert r.status == "matched" and r.best is not None and r.best.ward_id == "W02"


def test_ambiguous_road_is_never_guessed(index: Any) -> None:
    r = geocode("Lê Lợi", index)
    assert r.status == "ambiguous"
    assert r.best is None
    assert {c.ward_id for c in r.candidates} == {"W01", "W02"}
    assert r.candidates[0].confidence == r.candidates[1].confidence


def test_bare_road_name_in_one_ward_still_asks(index: Any) -> None:
    r = geocode("Hung Vuong Vinh Ninh", index)
    assert r.status == "ambiguous"
    assert r.candidates[0].ward_id == "W02"


def test_unknown_address(index: Any) -> None:
    assert geocode("xyz qwerty", index).status == "not_found"
    assert geocode("", index).status == "not_found"
    assert geocode("12", index).candidates == ()


def test_to_dict_is_json_ready(index: Any) -> None:
    import json

    d = geocode("32/5 Lê Văn Hưu", index).to_dict()
    assert json.loads(json.dumps(d))["candidates"][0]["road_id"] == "A-LVH-32"
