"""Maps drawn on the server as SVG (docs/decisions/0032): boundaries projected once, when they
are loaded, into SVG paths; a page then only joins strings and picks a colour class per unit.

Projection: equirectangular about the frame's middle latitude (x = lon·cos φ₀, y = −lat),
scaled so that the frame is WIDTH units wide. Over Poland (49°–55° N) the shapes differ from
a conformal projection by less than the width of a line at this size. Two frames: the whole
country, and each voivodeship (so that the map of one voivodeship is drawn at the same
1000 units, not zoomed out of the country's).

Quantisation is the simplification: every point is rounded to a whole unit of the frame and
written relative to the one before (`l dx dy`), and a point that rounds onto the previous one
is dropped. A ring that shrinks below three points keeps a one-unit square, so that the
smallest gmina is still on the map. Neighbours share their points, so they still meet after
rounding (nothing is simplified polygon by polygon, which would open gaps between them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from markupsafe import Markup, escape

from workflow.extensions import db
from workflow.models import TerritorialUnit, UnitBoundary, UnitLevel

WIDTH = 1000
MARGIN = 4  # units of the frame around the drawing

Ring = Sequence[Sequence[float]]


@dataclass(frozen=True)
class Frame:
    """Where lon/lat land in an SVG of WIDTH × height units."""

    west: float
    north: float
    cos_lat: float
    scale: float
    height: int

    def point(self, lon: float, lat: float) -> tuple[int, int]:
        return (round(MARGIN + (lon - self.west) * self.cos_lat * self.scale),
                round(MARGIN + (self.north - lat) * self.scale))

    @property
    def view_box(self) -> str:
        return f"0 0 {WIDTH} {self.height}"

    def to_json(self) -> dict[str, float]:
        return {"west": self.west, "north": self.north, "cos_lat": self.cos_lat,
                "scale": self.scale, "height": self.height}


def frame_for(bounds: tuple[float, float, float, float]) -> Frame:
    """The frame that fits (west, south, east, north) into WIDTH units across."""
    west, south, east, north = bounds
    cos_lat = math.cos(math.radians((south + north) / 2))
    span = max((east - west) * cos_lat, 1e-9)
    scale = (WIDTH - 2 * MARGIN) / span
    height = math.ceil((north - south) * scale) + 2 * MARGIN
    return Frame(west, north, cos_lat, scale, height)


def rings(geometry: dict[str, Any]) -> Iterator[Ring]:
    """Every ring (outer and holes) of a Polygon or MultiPolygon."""
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon
    else:
        raise ValueError(f"not an area: {geometry['type']}")


def bounds(geometries: Iterable[dict[str, Any]]) -> tuple[float, float, float, float]:
    west = south = math.inf
    east = north = -math.inf
    for geometry in geometries:
        for ring in rings(geometry):
            for lon, lat, *_ in ring:
                west, east = min(west, lon), max(east, lon)
                south, north = min(south, lat), max(north, lat)
    return west, south, east, north


def svg_path(geometry: dict[str, Any], frame: Frame) -> str:
    """The `d` of an SVG path: each ring as `M x y l dx dy … z`, whole units of the frame
    (draw with fill-rule evenodd: holes are rings like the others)."""
    parts: list[str] = []
    for ring in rings(geometry):
        points: list[tuple[int, int]] = []
        for lon, lat, *_ in ring:
            point = frame.point(lon, lat)
            if not points or point != points[-1]:
                points.append(point)
        if len(points) > 1 and points[0] == points[-1]:
            points.pop()
        if len(points) < 3:
            x, y = points[0]
            parts.append(f"M{x} {y}h1v1h-1z")
            continue
        x, y = points[0]
        steps = [f"{b[0] - a[0]} {b[1] - a[1]}" for a, b in zip(points, points[1:], strict=False)]
        parts.append(f"M{x} {y}l" + " ".join(steps).replace(" -", "-") + "z")
    return "".join(parts)


def union(boxes: Iterable[tuple[float, float, float, float]]) -> tuple[float, float, float, float]:
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


# --- a map on a page ------------------------------------------------------------------------------

PL = "PL"


@dataclass(frozen=True)
class Map:
    region: str  # PL or a voivodeship's code
    view_box: str
    count: int  # gminas drawn
    shapes: Markup  # one <path> per gmina: its class (m1 … m5, m0 no value, mx outside) and title
    outlines: list[str]  # the voivodeships' boundaries (or the one voivodeship's), drawn over; escaped


class Drawn(NamedTuple):
    """A unit's stored drawing, as boundaries() reads it."""

    code: str
    level: str
    box: tuple[float, float, float, float] | None
    country: str | None
    region: str | None


def boundaries(region: str) -> list[Drawn]:
    """The drawings of the gminas of `region` (PL: every one) and of every voivodeship (their
    boxes make the frame; their outlines are drawn over the gminas): one statement."""
    condition = TerritorialUnit.level == UnitLevel.VOIVODESHIP
    if region == PL:
        condition = sa.or_(condition, TerritorialUnit.level == UnitLevel.GMINA)
    else:
        condition = sa.or_(condition, sa.and_(TerritorialUnit.level == UnitLevel.GMINA,
                                              TerritorialUnit.code.startswith(region)))
    b = UnitBoundary.__table__
    rows = db.session.execute(
        sa.select(TerritorialUnit.code, sa.type_coerce(TerritorialUnit.level, sa.String), b.c.min_lon,
                  b.c.min_lat, b.c.max_lon, b.c.max_lat, b.c.svg_country if region == PL else sa.null(),
                  b.c.svg_region if region != PL else sa.null())
        .join(b, b.c.unit_id == TerritorialUnit.id).where(condition).order_by(TerritorialUnit.code)).all()
    return [Drawn(code, level, None if west is None else (west, south, east, north), country, own)
            for code, level, west, south, east, north, country, own in rows]


def compose(region: str, drawn: Sequence[Drawn], styles: Mapping[str, tuple[str, str]],
            outside: Callable[[str], str]) -> Map | None:
    """The map of `region`: each gmina drawn with its (css class, title) from `styles`, or as
    not in the group (class mx, title `outside(code)`), the voivodeships' outlines over them.
    The paths are joined here, not in a template loop: 2,477 of them are most of the page.
    None without boundaries."""
    regions = {d.code: d for d in drawn if d.level == UnitLevel.VOIVODESHIP.value and d.box}
    if region == PL:
        if not regions:
            return None
        frame = frame_for(union(d.box for d in regions.values() if d.box))
    elif region in regions and regions[region].box:
        frame = frame_for(regions[region].box)  # type: ignore[arg-type]
    else:
        return None
    parts: list[str] = []
    gmina = UnitLevel.GMINA.value
    for d in drawn:
        path = d.country if region == PL else d.region
        if d.level != gmina or not path:
            continue
        css, title = styles.get(d.code) or ("mx", outside(d.code))
        parts.append(f'<path class="{escape(css)}" d="{escape(path)}"><title>{escape(title)}</title></path>')
    if not parts:
        return None
    outlines = [(d.country if region == PL else d.region) or "" for d in regions.values()
                if region == PL or d.code == region]
    # Every value in the markup was escaped above.
    shapes = Markup("\n".join(parts))  # noqa: S704  # nosec B704
    return Map(region, frame.view_box, len(parts), shapes, [escape(o) for o in outlines if o])
