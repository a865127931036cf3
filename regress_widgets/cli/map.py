"""``regress-widgets map``: a stability map of a recipe, printed as a table, as JSON, or drawn to a PNG."""

from __future__ import annotations

import sys

from ..engine.stability_map import AXES, MAX_SEEDS, stability_map
from ..recipes.tutorials import RECIPES, InvalidSetting
from .jsonout import dumps
from .options import add_setting_options, check_png, settings_from


def _values(text: str | None, name: str):
    """'0.1,0.2,0.5' → [0.1, 0.2, 0.5] (None: the default range)."""
    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise InvalidSetting(name, "comma-separated numbers, such as 0.01,0.1,1", text) from None


def add_map_command(sub) -> None:
    p = sub.add_parser("map", help="a stability map: where SGD blows up, over lr and another setting")
    p.add_argument("recipe", help=f"one of {', '.join(RECIPES)}")
    p.add_argument("--x", default="lr", help=f"the setting along x: one of {', '.join(AXES)} (default lr)")
    p.add_argument("--y", default="batch_size", help="the setting along y (default batch_size); lr on one of the two")
    p.add_argument("--x-values", metavar="A,B,…", help="the values along x (default: a range around the limits)")
    p.add_argument("--y-values", metavar="A,B,…", help="the values along y")
    p.add_argument("--n", type=int, default=40, help="values along an axis given no values (default 40)")
    p.add_argument("--seed", type=int, default=0, help="the first seed (default 0)")
    p.add_argument("--seeds", type=int, default=4, help=f"seeds a cell, 1 to {MAX_SEEDS} (default 4)")
    add_setting_options(p)
    p.add_argument("--backend", default="auto", help="auto (cupy when a GPU is usable), numpy or cupy")
    p.add_argument("--json", action="store_true", help="print one JSON object: the axes, the grid, both limits")
    p.add_argument("--png", metavar="FILE", help="draw the map to FILE")
    p.set_defaults(func=run_map)


def run_map(args) -> int:

    settings = {k: v for k, v in settings_from(args).items() if v is not None}
    for name in (args.x, args.y):
        if name in settings:
            raise InvalidSetting(name, f"left out: {name} is an axis of the map", settings[name])
    if args.png is not None:
        check_png(args.png)
    x = args.x.replace("-", "_")
    y = args.y.replace("-", "_")
    given = {x: ("x_values", args.x_values), y: ("y_values", args.y_values)}
    try:
        grid = stability_map(args.recipe, x, y, x_values=_values(args.x_values, "x_values"),
                             y_values=_values(args.y_values, "y_values"), n=args.n, seeds=args.seeds, seed=args.seed,
                             backend=args.backend, **settings)
    except InvalidSetting as err:  # a bad value along an axis: name the option that gave it
        if err.field in given and given[err.field][1] is not None:
            raise InvalidSetting(given[err.field][0], f"values of {err.field}, each {err.allowed}", err.value) from None
        raise
    if args.png is not None:
        from ..panels.stability_panel import map_figure

        try:
            map_figure(grid).savefig(args.png, dpi=100, facecolor="white")
        except OSError as err:
            print(f"regress-widgets map: error: --png: cannot write {args.png}: {err.strerror or err}",
                  file=sys.stderr)
            return 2
    if args.json:
        print(dumps({**grid.to_json(), "png": args.png}))
        return 0
    _print(grid)
    if args.png:
        print(f"  map written to {args.png}")
    return 0


def _print(grid) -> None:
    r = grid.recipe
    print(f"{r.name}: stability map over {grid.x} × {grid.y}, {len(grid.seeds)} seeds a cell, "
          f"{grid.final_loss.size:,} runs in {grid.seconds:.2f} s")
    print(f"  limits along {grid.other}: gradient descent's and the mean-square limit of minibatch SGD")
    for v, gd, ms in zip(grid.other_values, grid.gd_limit, grid.ms_limit, strict=True):
        print(f"    {grid.other} {v:>8g}: lr < {gd:.4g} (gradient descent), lr < {ms:.4g} (mean square)")
    blown = grid.blown_up
    print(f"  cells where every seed blew up: {int((blown == 1).sum())} of {blown.size}; "
          f"where some did: {int(((blown > 0) & (blown < 1)).sum())}")
