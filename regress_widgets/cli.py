"""The ``regress-widgets`` command: train a recipe, replay a recording."""

from __future__ import annotations

import argparse
import json
import math
import sys

import numpy as np

from . import __version__
from .cli_settings import add_setting_options, settings_from
from .engine import BACKENDS, train
from .landscape import Landscape
from .recipes import RECIPES, InvalidSetting
from .recording import RecordingError, replay


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line, exit code 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def _finite(x):
    """JSON has no NaN: non-finite numbers become null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, list):
        return [_finite(v) for v in x]
    return x


def run_summary(run) -> dict:
    recipe = run.recipe
    landscape = Landscape.for_recipe(recipe, run.seed)
    opt = landscape.optimum
    finite = run.loss[np.isfinite(run.loss)]
    return {
        "recipe": recipe.name, "seed": run.seed, "steps": run.steps,
        **{name: getattr(recipe, name) for name in ("lr", "gamma", "stepsize", "batch_size", "noise")},
        "epochs": recipe.epochs,
        "w": _finite(run.w.tolist()), "b": _finite(run.b),
        "w_true": list(recipe.w_true), "b_true": recipe.b_true,
        "w_opt": opt[:-1].tolist(), "b_opt": float(opt[-1]),
        "loss_first": _finite(float(run.loss[0])),
        "loss_final": _finite(float(finite[-1])) if len(finite) else None,
        "epoch_loss": _finite(run.epoch_loss.tolist()),
        "lr_max": landscape.lr_max,
        "diverged_at": run.diverged_at,
        "backend": run.backend, "dtype": run.dtype, "seconds": run.seconds,
    }


def _print_run(s: dict) -> None:
    def vec(w, b):
        return "[" + ", ".join("nan" if v is None else f"{v:.4f}" for v in [*w, b]) + "]"

    print(f"{s['recipe']}: {s['steps']} steps, lr={s['lr']:g} gamma={s['gamma']:g} "
          f"stepsize={s['stepsize']} batch_size={s['batch_size']} noise={s['noise']:g} seed={s['seed']}")
    print(f"  final θ [w…, b]      {vec(s['w'], s['b'])}")
    print(f"  ground truth         {vec(s['w_true'], s['b_true'])}")
    print(f"  least-squares optimum {vec(s['w_opt'], s['b_opt'])}")
    print(f"  loss first → final   {s['loss_first']:.5g} → {s['loss_final']:.5g}")
    if s["epoch_loss"]:
        print("  epoch losses         " + " ".join("nan" if v is None else f"{v:.4g}" for v in s["epoch_loss"]))
    if s["diverged_at"]:
        print(f"  DIVERGED at step {s['diverged_at']} (stability limit lr_max ≈ {s['lr_max']:.3g})")
    print(f"  {s['seconds'] * 1e3:.1f} ms on {s['backend']} ({s['dtype']})")


def _cmd_run(args) -> int:
    overrides = settings_from(args)
    run = train(args.recipe, seed=args.seed, backend=args.backend, dtype=args.dtype, **overrides)
    summary = run_summary(run)
    if getattr(args, "png", None):
        from .panels import save_png  # matplotlib only when a picture is asked for

        try:
            save_png(run, args.png)
        except OSError as err:
            print(f"regress-widgets run: error: --png: cannot write {args.png}: {err.strerror or err}",
                  file=sys.stderr)
            return 2
        summary["png"] = args.png
    if args.json:
        print(json.dumps(summary))
    else:
        _print_run(summary)
        if summary.get("png"):
            print(f"  panels written to {summary['png']}")
    return 0


def _cmd_replay(args) -> int:
    result = replay(args.file)
    summary = result.summary()
    if args.json:
        print(json.dumps(_finite_dict(summary)))
    else:
        print(f"{summary['framework']} {summary['framework_version']} on recipe {summary['recipe']}, "
              f"{summary['steps']} steps, seed {summary['seed']}")
        for name in ("dtheta", "dlr", "dloss"):
            print(f"  max |{name[1:]:>5} difference| {summary['max_abs_' + name]:.3g}")
        verdict = "matches" if summary["ok"] else "does NOT match"
        print(f"  the engine {verdict} the framework (tolerance {summary['tolerance']:g})")
    return 0 if summary["ok"] else 1


def _cmd_lab(args) -> int:
    from .launch import lab

    return lab(args.folder, args.jupyter_args)


def _cmd_app(args) -> int:
    from .launch import app

    return app(args.notebook, args.jupyter_args, folder=args.folder)


def _finite_dict(d: dict) -> dict:
    return {k: _finite(v) for k, v in d.items()}


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="regress-widgets", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("run", help="train one tutorial variant and print a summary")
    p.add_argument("recipe", help=f"one of {', '.join(RECIPES)}")
    p.add_argument("--seed", type=int, default=0)
    add_setting_options(p)
    p.add_argument("--backend", default="numpy", help=f"one of {', '.join(BACKENDS)}")
    p.add_argument("--dtype", default="float64", help="float64 or float32")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--png", metavar="FILE", help="write the panels (1280×720 PNG) to FILE")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("replay", help="replay a framework recording with the engine")
    p.add_argument("file", help="a recording (.npz)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_replay)

    p = sub.add_parser("lab", help="open the notebooks in JupyterLab")
    p.add_argument("--folder", help="work on copies of the notebooks in this folder")
    p.set_defaults(func=_cmd_lab)

    p = sub.add_parser("app", help="serve the side-by-side notebook as an app (Voilà): widgets, no code")
    p.add_argument("--notebook", help="another bundled notebook (default: 00_side_by_side.ipynb)")
    p.add_argument("--folder", help="serve it from copies of the notebooks in this folder")
    p.set_defaults(func=_cmd_app)

    from .frameworks.cli import add_subcommands  # envs, record: the real frameworks

    add_subcommands(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and args.command not in ("lab", "app"):  # these pass the rest to Jupyter / Voilà
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.jupyter_args = rest
    try:
        return args.func(args)
    except (InvalidSetting, RecordingError) as err:
        flag = getattr(err, "field", None)
        where = f"--{flag.replace('_', '-')}" if flag and flag != "recipe" else getattr(err, "key", flag)
        print(f"regress-widgets {args.command}: error: {where}: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
