"""Geocoding of addresses as callers say them, against the city's own roads and wards.

An address such as ``"kiet 32 le van huu thuan loc"`` or ``"32/5 Lê Văn Hưu"`` is folded
(Unicode NFD, combining marks dropped, ``đ`` -> ``d``, lower case), its house number and alley
are parsed, and the rest is matched with rapidfuzz against the road names and ward names of
the city. Candidates come back ranked with a confidence in [0, 1]; one is *accepted* only when
it is at least :data:`ACCEPT_CONFIDENCE` and ahead of the second by at least
:data:`ACCEPT_MARGIN`. Otherwise the dispatcher picks from the candidates: an ambiguous
address is never silently guessed.

Confidence of a candidate = name similarity (0-1) x number factor x ward factor:

- number factor: house number inside a segment's range 1.0; alley found 1.0; a number given
  but outside every range, or an alley asked for that the data lacks, 0.8; no number 0.85;
- ward factor: ward named and it is the candidate's 1.0; named but another ward 0.7; no ward
  named 0.95.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import shapely
from rapidfuzz import fuzz, process

__all__ = [
    "ACCEPT_CONFIDENCE",
    "ACCEPT_MARGIN",
    "Candidate",
    "GeocodeIndex",
    "GeocodeResult",
    "fold",
    "geocode",
    "parse_address",
]

#: A best candidate is accepted only from this confidence up ...
ACCEPT_CONFIDENCE = 0.75
#: ... and only when it is ahead of the second-best by at least this much.
ACCEPT_MARGIN = 0.08
#: Road names (best first) that candidates are made from.
MAX_NAMES = 8
#: Candidates under this confidence are not shown.
MIN_CANDIDATE_CONFIDENCE = 0.45
#: Windows of the text whose similarity to a name is under this are ignored (0-100).
_MIN_NAME_SCORE = 70.0
#: A road whose name holds a number ("số 13") matched by words with another number.
NUMBER_MISMATCH_FACTOR = 0.6
#: A road named without a house number: never precise enough to accept on its own.
NO_NUMBER_FACTOR = 0.7
#: Metres per house number inside an alley whose segments carry no house range.
ALLEY_M_PER_HOUSE = 4.0

_ALLEY_WORDS = r"(?:kiet|k|hem|h|ngo|ngach)"
_RE_ALLEY = re.compile(rf"\b{_ALLEY_WORDS}\s*\.?\s*(\d+)(?:\s*/\s*(\d+))?")
_RE_SLASH = re.compile(r"\b(\d+)\s*/\s*(\d+)(?:\s*/\s*\d+)*[a-z]?\b")
_RE_HOUSE = re.compile(r"^(?:so\s+|nha\s+|so\s+nha\s+)?(\d+)[a-z]?\b")


def fold(text: str) -> str:
    """Fold Vietnamese text for matching: no diacritics, ``đ`` -> ``d``, lower case, one space.

    Punctuation other than ``/`` becomes a space.

    Examples
    --------
    >>> fold("Kiệt 32 Lê Văn Hưu, P. Thuận Lộc")
    'kiet 32 le van huu p thuan loc'
    >>> fold("Đống Đa")
    'dong da'
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^0-9a-z/]+", " ", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class ParsedAddress:
    """What :func:`parse_address` found in an address."""

    folded: str
    house: int | None
    alley: int | None
    alley_house: int | None
    words: tuple[str, ...]


def parse_address(text: str) -> ParsedAddress:
    """Split an address into house number, alley and the words that name road and ward.

    ``"kiệt N"`` (also ``hẻm``, ``ngõ``, ``k``) is the alley opening at house N of the road;
    ``"N/M"`` is house M in that alley; a leading number is the house number on the road.

    Examples
    --------
    >>> p = parse_address("32/5 Lê Văn Hưu")
    >>> (p.alley, p.alley_house, p.words)
    (32, 5, ('le', 'van', 'huu'))
    >>> p = parse_address("kiet 32 le van huu thuan loc")
    >>> (p.house, p.alley, p.words)
    (None, 32, ('le', 'van', 'huu', 'thuan', 'loc'))
    >>> parse_address("so 15 Le Loi").house
    15
    """
    folded = fold(text)
    house = alley = alley_house = None
    rest = folded
    m = _RE_ALLEY.search(rest)
    if m:
        alley = int(m.group(1))
        alley_house = int(m.group(2)) if m.group(2) else None
        rest = rest[: m.start()] + " " + rest[m.end() :]
        # "5 kiet 32 Le Loi": a number before the alley is the house inside it
        h = re.match(r"^\s*(?:so\s+)?(\d+)\b", rest)
        if h and alley_house is None:
            alley_house = int(h.group(1))
            rest = rest[h.end() :]
    else:
        m = _RE_SLASH.search(rest)
        if m:
            alley, alley_house = int(m.group(1)), int(m.group(2))
            rest = rest[: m.start()] + " " + rest[m.end() :]
        else:
            m = _RE_HOUSE.match(rest)
            if m:
                house = int(m.group(1))
                rest = rest[m.end() :]
    words = tuple(rest.replace("/", " ").split())
    return ParsedAddress(folded, house, alley, alley_house, words)


@dataclass(frozen=True)
class Candidate:
    """One place an address may mean.

    Attributes
    ----------
    label
        A readable address ("kiệt 32 Lê Văn Hưu, Thuận Lộc").
    road_id, ward_id
        Where it is (``road_id`` None for a ward-only match).
    x, y
        Position in the city CRS (m).
    confidence
        In [0, 1]; see the module docstring.
    detail
        How it was found (name score, number and ward factors).
    """

    label: str
    road_id: str | None
    ward_id: str | None
    x: float
    y: float
    confidence: float
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class GeocodeResult:
    """Ranked candidates for an address and whether the best one is accepted.

    ``status`` is ``"matched"`` (``best`` is set), ``"ambiguous"`` (candidates for the
    dispatcher to pick) or ``"not_found"``.
    """

    query: str
    status: str
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        """The accepted candidate, or None when not matched."""
        return self.candidates[0] if self.status == "matched" else None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "query": self.query,
            "status": self.status,
            "candidates": [c.to_dict() for c in self.candidates],
        }


class GeocodeIndex:
    """Names, house ranges and geometries of a city's roads and wards, built once per city.

    Parameters
    ----------
    roads
        GeoDataFrame with the ``layers`` road columns (``road_id``, ``name``, ``house_from``,
        ``house_to``, ``parent_road_id``, ``alley_number``, ``ward_id``, LineString).
    wards
        GeoDataFrame with ``ward_id``, ``name`` and polygons.
    """

    def __init__(self, roads: Any, wards: Any) -> None:
        self.road_ids = np.asarray(roads["road_id"].astype(str))
        self.road_names = [str(n) for n in roads["name"]]
        self.road_ward = np.asarray(roads["ward_id"].astype(str))
        self.lines = np.asarray(roads.geometry.values)
        self.lengths = shapely.length(self.lines)
        self.house_from = _nullable_int(roads["house_from"])
        self.house_to = _nullable_int(roads["house_to"])
        self.alley_number = _nullable_int(roads["alley_number"])
        parents = roads["parent_road_id"]
        self.parent = np.array(["" if _isnull(p) else str(p) for p in parents], dtype=object)
        self.ward_ids = [str(w) for w in wards["ward_id"]]
        self.ward_names = {
            str(w): str(n) for w, n in zip(wards["ward_id"], wards["name"], strict=True)
        }
        self.ward_polys = np.asarray(wards.geometry.values)
        self._ward_tree = shapely.STRtree(self.ward_polys)
        # A road name (folded) -> rows; alleys are reached through their parent's name.
        by_name: dict[str, list[int]] = {}
        self.canonical: dict[str, str] = {}
        is_alley = self.parent != ""
        for i, name in enumerate(self.road_names):
            if not is_alley[i]:
                key = fold(name)
                by_name.setdefault(key, []).append(i)
                self.canonical[key] = key
                # "Đường quy hoạch số 13" is also said "quy hoạch số 13" (not "Dương ...")
                if unicodedata.normalize("NFC", name).lower().startswith("đường "):
                    alias = key.removeprefix("duong ")
                    by_name.setdefault(alias, []).append(i)
                    self.canonical.setdefault(alias, key)
        self.names = list(by_name)
        self.name_digits = [_digits(n) for n in self.names]
        self.rows_by_name = by_name
        self.row_of_road = {str(rid): i for i, rid in enumerate(self.road_ids)}
        self.alleys: dict[tuple[str, int], list[int]] = {}
        for i in map(int, np.flatnonzero(is_alley)):
            parent_row = self.row_of_road.get(self.parent[i])
            if parent_row is None or self.alley_number[i] < 0:
                continue
            alley_key = (fold(self.road_names[parent_row]), int(self.alley_number[i]))
            self.alleys.setdefault(alley_key, []).append(i)
        self.ward_keys = [_strip_ward_kind(fold(self.ward_names[w])) for w in self.ward_ids]

    def ward_at(self, x: float, y: float) -> str | None:
        """The ward whose polygon holds (x, y), or None."""
        hits = self._ward_tree.query(shapely.Point(x, y), predicate="intersects")
        return self.ward_ids[int(hits[0])] if len(hits) else None


def geocode(text: str, index: GeocodeIndex, *, limit: int = 5) -> GeocodeResult:
    """Ranked places for a free-text address; accept the best only when it is clear.

    Parameters
    ----------
    text
        The address as the caller said it, with or without diacritics.
    index
        The city's :class:`GeocodeIndex`.
    limit
        Most candidates returned.

    Returns
    -------
    GeocodeResult
        ``status == "matched"`` when the best candidate has confidence >=
        :data:`ACCEPT_CONFIDENCE` and leads the second by >= :data:`ACCEPT_MARGIN`.
    """
    parsed = parse_address(text)
    words = parsed.words
    if not words:
        return GeocodeResult(text, "not_found", ())
    windows, spans = _windows(words)
    road_scores = _best_scores(windows, spans, index.names)
    for j, (score, (a, b)) in list(road_scores.items()):
        # a number inside a road name must be said: "số 13" is not "số 14"
        if index.name_digits[j] and index.name_digits[j] != _digits(" ".join(words[a:b])):
            road_scores[j] = (score * NUMBER_MISMATCH_FACTOR, (a, b))
    ward_scores = _best_scores(windows, spans, index.ward_keys)
    candidates: list[Candidate] = []
    best_names = sorted(road_scores.items(), key=lambda kv: -kv[1][0])[:MAX_NAMES]
    for name_i, (score, span) in best_names:
        ward_here = _ward_outside(ward_scores, span, index)
        candidates.extend(_road_candidates(index, index.names[name_i], score, parsed, ward_here))
    if not candidates:
        for ward_i, (score, _span) in ward_scores.items():
            wid = index.ward_ids[ward_i]
            c = index.ward_polys[ward_i].representative_point()
            label = index.ward_names[wid]
            conf = 0.6 * score / 100.0  # a ward alone is never precise enough to accept
            candidates.append(Candidate(label, None, wid, c.x, c.y, conf, {"ward_score": score}))
    candidates = [c for c in candidates if c.confidence >= MIN_CANDIDATE_CONFIDENCE]
    candidates.sort(key=lambda c: (-c.confidence, c.label))
    # one place said one way: segments that share a boundary number, or an alias of a name
    unique: dict[str, Candidate] = {}
    for c in candidates:
        unique.setdefault(c.label, c)
    candidates = list(unique.values())
    candidates = candidates[:limit]
    if not candidates:
        return GeocodeResult(text, "not_found", ())
    best = candidates[0].confidence
    second = candidates[1].confidence if len(candidates) > 1 else 0.0
    ok = best >= ACCEPT_CONFIDENCE and best - second >= ACCEPT_MARGIN
    return GeocodeResult(text, "matched" if ok else "ambiguous", tuple(candidates))


def _windows(words: tuple[str, ...]) -> tuple[list[str], list[tuple[int, int]]]:
    windows, spans = [], []
    for n in range(1, min(6, len(words)) + 1):
        for i in range(len(words) - n + 1):
            windows.append(" ".join(words[i : i + n]))
            spans.append((i, i + n))
    return windows, spans


def _best_scores(
    windows: list[str], spans: list[tuple[int, int]], names: list[str]
) -> dict[int, tuple[float, tuple[int, int]]]:
    """For each name with a good enough window: (best score 0-100, the window's span)."""
    if not names:
        return {}
    scores = process.cdist(windows, names, scorer=fuzz.ratio, score_cutoff=_MIN_NAME_SCORE)
    best_w = scores.argmax(axis=0)
    best = scores[best_w, np.arange(len(names))]
    return {int(j): (float(best[j]), spans[int(best_w[j])]) for j in np.flatnonzero(best > 0)}


def _ward_outside(
    ward_scores: dict[int, tuple[float, tuple[int, int]]],
    road_span: tuple[int, int],
    index: GeocodeIndex,
) -> str | None:
    """The best ward named by words that are not part of the road name."""
    best_id, best_score = None, 0.0
    for ward_i, (score, (a, b)) in ward_scores.items():
        overlaps = a < road_span[1] and road_span[0] < b
        if not overlaps and score >= 80.0 and score > best_score:
            best_id, best_score = index.ward_ids[ward_i], score
    return best_id


def _road_candidates(
    index: GeocodeIndex, name: str, score: float, p: ParsedAddress, ward: str | None
) -> list[Candidate]:
    rows = index.rows_by_name[name]
    sim = score / 100.0
    out: list[Candidate] = []
    if p.alley is not None:
        alley_rows = index.alleys.get((index.canonical[name], p.alley), [])
        if alley_rows:
            i, pt, in_range = _in_alley(index, alley_rows, p.alley_house)
            return [_candidate(index, i, pt, sim, 1.0 if in_range else 0.95, ward, p, name)]
        # the data lack the alley: its mouth at house number N on the road
        p = ParsedAddress(p.folded, p.alley, None, None, p.words)
        number_factor = 0.8
    else:
        number_factor = NO_NUMBER_FACTOR if p.house is None else 1.0
    if p.house is None:
        # one candidate per ward the road runs through, at the middle of its segments there
        by_ward: dict[str, list[int]] = {}
        for i in rows:
            by_ward.setdefault(str(index.road_ward[i]), []).append(i)
        for _wid, ward_rows in sorted(by_ward.items()):
            i = max(ward_rows, key=lambda r: index.lengths[r])
            pt = shapely.line_interpolate_point(index.lines[i], 0.5, normalized=True)
            out.append(_candidate(index, i, pt, sim, number_factor, ward, p, name))
        return out
    inside = [
        i
        for i in rows
        if index.house_from[i] >= 0 and index.house_from[i] <= p.house <= index.house_to[i]
    ]
    if inside:
        for i in inside:
            pt, _ = _along(index, i, p.house, alley=False)
            out.append(_candidate(index, i, pt, sim, number_factor, ward, p, name))
        return out
    # a number outside every range: the nearest range end, per ward
    ranged = [i for i in rows if index.house_from[i] >= 0] or rows
    by_ward_best: dict[str, int] = {}
    for i in ranged:
        gap = min(abs(index.house_from[i] - p.house), abs(index.house_to[i] - p.house))
        wid = str(index.road_ward[i])
        j = by_ward_best.get(wid)
        if j is None or gap < min(
            abs(index.house_from[j] - p.house), abs(index.house_to[j] - p.house)
        ):
            by_ward_best[wid] = i
    for i in by_ward_best.values():
        pt, _ = _along(index, i, p.house, alley=False)
        out.append(_candidate(index, i, pt, sim, 0.8, ward, p, name))
    return out


def _in_alley(index: GeocodeIndex, rows: list[int], house: int | None) -> tuple[int, Any, bool]:
    """Segment and point of house ``house`` in an alley made of ``rows`` (None: its mouth).

    With house ranges, the segment that holds the number; otherwise
    :data:`ALLEY_M_PER_HOUSE` metres per number from the mouth, the end nearest the parent
    road, along the segment there.
    """
    if house is not None:
        for i in rows:
            lo, hi = index.house_from[i], index.house_to[i]
            if 0 <= lo <= house <= hi and hi > lo:
                frac = (house - lo) / (hi - lo)
                return (
                    i,
                    shapely.line_interpolate_point(index.lines[i], frac, normalized=True),
                    True,
                )
    parent_row = index.row_of_road.get(str(index.parent[rows[0]]))
    parent = index.lines[parent_row] if parent_row is not None else None
    best = (np.inf, rows[0], False)
    for i in rows:
        line = index.lines[i]
        for at_end in (False, True):
            end = shapely.get_point(line, -1 if at_end else 0)
            gap = float(shapely.distance(end, parent)) if parent is not None else 0.0
            if gap < best[0]:
                best = (gap, i, at_end)
    _gap, i, at_end = best
    length = float(index.lengths[i])
    dist = 0.0 if house is None else min(house * ALLEY_M_PER_HOUSE, length)
    pt = shapely.line_interpolate_point(index.lines[i], length - dist if at_end else dist)
    return i, pt, house is None


def _digits(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\d+", text))


def _along(index: GeocodeIndex, i: int, house: int | None, *, alley: bool) -> tuple[Any, bool]:
    """Point of ``house`` on road row ``i``; True when it came from a house-number range."""
    line = index.lines[i]
    lo, hi = index.house_from[i], index.house_to[i]
    if house is None:
        return shapely.line_interpolate_point(line, 0.0 if alley else 0.5, normalized=True), True
    if lo >= 0 and hi > lo:
        frac = float(np.clip((house - lo) / (hi - lo), 0.0, 1.0))
        return shapely.line_interpolate_point(line, frac, normalized=True), lo <= house <= hi
    dist = min(house * ALLEY_M_PER_HOUSE, float(index.lengths[i]))
    return shapely.line_interpolate_point(line, dist), False


def _candidate(
    index: GeocodeIndex,
    i: int,
    pt: Any,
    sim: float,
    number_factor: float,
    ward: str | None,
    p: ParsedAddress,
    name: str,
) -> Candidate:
    wid = str(index.road_ward[i])
    ward_factor = 0.95 if ward is None else 1.0 if ward == wid else 0.7
    conf = round(sim * number_factor * ward_factor, 4)
    road_name = index.road_names[i]
    if index.parent[i]:
        parent_row = index.row_of_road.get(index.parent[i])
        parent_name = index.road_names[parent_row] if parent_row is not None else road_name
        if p.alley_house is not None:
            label = f"{p.alley}/{p.alley_house} {parent_name}"
        else:
            label = f"kiệt {p.alley} {parent_name}"
    elif p.house is not None:
        label = f"{p.house} {road_name}"
    else:
        label = road_name
    label = f"{label}, {index.ward_names.get(wid, wid)}"
    detail = {
        "name": name,
        "name_score": round(sim * 100, 1),
        "number_factor": number_factor,
        "ward_factor": ward_factor,
        "house": p.house,
        "alley": p.alley,
        "alley_house": p.alley_house,
    }
    return Candidate(label, str(index.road_ids[i]), wid, float(pt.x), float(pt.y), conf, detail)


def _strip_ward_kind(name: str) -> str:
    for prefix in ("phuong ", "xa ", "thi tran "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _isnull(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or str(v) in ("", "<NA>", "nan")


def _nullable_int(col: Any) -> np.ndarray:
    """An int64 array with -1 for missing values."""
    return np.array([-1 if _isnull(v) else int(v) for v in col], dtype=np.int64)
