"""The ``regress-widgets`` command: train a recipe, replay a recording, map where SGD blows up."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from .. import __version__
from ..engine.train import BACKENDS, train
from ..frameworks.recording import RecordingError, replay
from ..own_data.from_data import DataError
from ..recipes.tutorials import RECIPES, InvalidSetting
from ..theory.landscape import limit_formula
from ..theory.verdict import DIVERGING_FACTOR
from .jsonout import dumps, finite
from .options import add_setting_options, check_png, settings_from


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line, exit code 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def run_summary(run) -> dict:
    recipe = run.recipe
    landscape = run.landscape
    status = run.status
    opt = landscape.optimum
    kept = run.loss[np.isfinite(run.loss)]
    return {
        "recipe": recipe.name, "seed": run.seed, "steps": run.steps,
        **{name: getattr(recipe, name) for name in ("lr", "gamma", "stepsize", "batch_size", "noise")},
        "epochs": recipe.epochs,
        "w": finite(run.w.tolist()), "b": finite(run.b),
        "w_true": None if recipe.w_true is None else list(recipe.w_true), "b_true": recipe.b_true,
        "w_opt": opt[:-1].tolist(), "b_opt": float(opt[-1]),
        "loss_first": finite(float(run.loss[0])),
        "loss_final": finite(float(kept[-1])) if len(kept) else None,
        "epoch_loss": finite(run.epoch_loss.tolist()),
        "lr_max": landscape.lr_max,
        **recipe.optimizer_settings,
        "lr_limit": landscape.lr_limit(recipe.optimizer, recipe.momentum),
        "lr_limit_formula": limit_formula(recipe.optimizer, recipe.momentum),
        "diverged_at": run.diverged_at,
        "status": status.kind, "status_text": status.text, "diverging_at": status.diverging_at,
        "diverging_factor": DIVERGING_FACTOR,
        "backend": run.backend, "dtype": run.dtype, "seconds": run.seconds,
        **(_own_data_summary(run, opt) if recipe.data is not None else {}),
    }


def _own_data_summary(run, opt) -> dict:
    """Your own data: no truth (null), the optimum and θ in the data's units, the columns, what was done to it."""
    data = run.recipe.data
    values = run.landscape.eigenvalues
    out = {"w_true": None, "b_true": None, "feature_names": list(data.feature_names),
           "target_name": data.target_name, "n_examples": data.n, "like": data.like, "standardize": data.standardize,
           "csv": data.source or None, "notes": list(data.notes),
           "condition_number": finite(float(values[0] / values[-1])) if values[-1] > 0 else None,
           "unique_optimum": data.unique_optimum}
    if data.standardize:  # w, b and the optimum in the data's own units; as trained beside them
        theta = data.to_original(run.theta[-1])
        best = data.to_original(opt)
        out.update({"w": finite(theta[:-1].tolist()), "b": finite(float(theta[-1])),
                    "w_scaled": finite(run.w.tolist()), "b_scaled": finite(run.b),
                    "w_opt": best[:-1].tolist(), "b_opt": float(best[-1]),
                    "w_opt_scaled": opt[:-1].tolist(), "b_opt_scaled": float(opt[-1])})
    return out


def _number(v, digits: int = 4) -> str:
    """A readable number: fixed point while it is small, else scientific (never 70 digits)."""
    if v is None:
        return "nan"
    return f"{v:.{digits}f}" if abs(v) < 1e6 else f"{v:.{digits}g}"


def _print_run(s: dict) -> None:
    def vec(w, b):
        return "[" + ", ".join(_number(v) for v in [*w, b]) + "]"

    def loss(v):
        return "nan" if v is None else f"{v:.5g}"

    print(f"{s['recipe']}: {s['steps']} steps, lr={s['lr']:g} gamma={s['gamma']:g} "
          f"stepsize={s['stepsize']} batch_size={s['batch_size']} noise={s['noise']:g} seed={s['seed']}")
    if (s["optimizer"], s["momentum"], s["weight_decay"]) != ("sgd", 0, 0):
        adam = f" beta1={s['beta1']:g} beta2={s['beta2']:g} eps={s['eps']:g}" if s["optimizer"] == "adam" else ""
        beta = f" momentum={s['momentum']:g}" if s["optimizer"] != "adam" else ""
        print(f"  optimizer {s['optimizer']}{beta}{adam} weight_decay={s['weight_decay']:g}")
    print(f"  final θ [w…, b]      {vec(s['w'], s['b'])}")
    if s.get("standardize"):
        print(f"    as trained (standardized) {vec(s['w_scaled'], s['b_scaled'])}")
    if s["w_true"] is None:
        names = ", ".join(s["feature_names"])
        print(f"  data                 {s['n_examples']:,} rows of {names} → {s['target_name']}"
              f"{' (standardized for training; θ in the data' + chr(39) + 's units)' if s['standardize'] else ''}")
        print("  ground truth         unknown (your own data)")
    else:
        print(f"  ground truth         {vec(s['w_true'], s['b_true'])}")
    print(f"  least-squares optimum {vec(s['w_opt'], s['b_opt'])}")
    print(f"  loss first → final   {loss(s['loss_first'])} → {loss(s['loss_final'])}")
    if s["epoch_loss"]:
        losses = ["nan" if v is None else f"{v:.4g}" for v in s["epoch_loss"]]
        if len(losses) > 30:  # a long run of a small dataset: its start and its end
            losses = [*losses[:10], f"… ({len(losses) - 20} more) …", *losses[-10:]]
        print("  epoch losses         " + " ".join(losses))
    if s["diverged_at"]:
        print(f"  DIVERGED at step {s['diverged_at']} ({_limit(s)})")
    elif s["status"] == "diverging":
        since = (f"; its loss above the minimum passed {s['diverging_factor']:g}× the start's at step "
                 f"{s['diverging_at']}"
                 if s["diverging_at"] else "")
        print(f"  DIVERGING ({_limit(s)}{since})")
    print(f"  status               {s['status_text']}")
    for note in s.get("notes", ()):
        print(f"  note: {note}")
    print(f"  {s['seconds'] * 1e3:.1f} ms on {s['backend']} ({s['dtype']})")


def _limit(s: dict) -> str:
    if s["lr_limit"] is None:
        return s["lr_limit_formula"]
    name = "lr_max" if s["lr_limit_formula"] == "2/λmax" else s["lr_limit_formula"]
    return f"stability limit {name} ≈ {s['lr_limit']:.3g}"


def _check_gif(args) -> None:
    """``--gif FILE`` a writable .gif; ``--frames`` and ``--fps`` only with it (their ranges checked here, the
    frames' upper bound, one per step, once the run is known)."""
    from ..lab.share.export import ANIMATIONS, MAX_FPS, MAX_FRAMES, check_path

    if args.gif is None:
        for name in ("frames", "fps"):
            if getattr(args, name) is not None:
                raise InvalidSetting(name, "given only with --gif FILE", getattr(args, name))
        return
    check_path(args.gif, ANIMATIONS[:1], option="gif")
    if args.frames is not None and not 2 <= args.frames <= MAX_FRAMES:
        raise InvalidSetting("frames", f"an integer in [2, {MAX_FRAMES}] (at most one a step)", args.frames)
    if args.fps is not None and not 1 <= args.fps <= MAX_FPS:
        raise InvalidSetting("fps", f"a number in [1, {MAX_FPS}]", args.fps)
    args.fps = 15 if args.fps is None else args.fps


def _recipe_of(args, overrides: dict):
    """The recipe named, or the CSV file's (``--csv --x --y``), with the overrides."""
    own = {"--x": args.x, "--y": args.y, "--like": args.like}
    if args.csv is None:
        given = [flag for flag, v in own.items() if v is not None] + ["--standardize"] * args.standardize + [
            "--drop-missing"] * args.drop_missing
        if args.recipe is None:
            raise InvalidSetting("recipe", f"one of {', '.join(RECIPES)}, or --csv FILE --x COL --y COL", None)
        if given:
            raise InvalidSetting(given[0].strip("-"), "given only with --csv FILE", own.get(given[0], True))
        return args.recipe, overrides
    if args.recipe is not None:
        raise InvalidSetting("csv", f"given without a recipe name ({args.recipe!r}): the CSV file is the data",
                             args.csv)
    for flag in ("--x", "--y"):
        if own[flag] is None:
            raise InvalidSetting(flag.strip("-"), "a column of the CSV file (a name or an index)", None)
    from ..own_data.csv_file import read_csv

    x = [c.strip() for c in args.x.split(",")]
    recipe = read_csv(args.csv, x=x, y=args.y.strip(), like=args.like or "pytorch", standardize=args.standardize,
                      drop_missing=args.drop_missing, progress=None if not args.json else False)
    return recipe, overrides


def _cmd_run(args) -> int:
    overrides = settings_from(args)
    if args.png is not None:
        check_png(args.png)
    _check_gif(args)
    recipe, overrides = _recipe_of(args, overrides)
    run = train(recipe, seed=args.seed, backend=args.backend, dtype=args.dtype, **overrides)
    summary = run_summary(run)
    if args.png is not None:
        from ..panels import save_png  # matplotlib only when a picture is asked for

        try:
            save_png(run, args.png)
        except OSError as err:
            print(f"regress-widgets run: error: --png: cannot write {args.png}: {err.strerror or err}",
                  file=sys.stderr)
            return 2
        summary["png"] = args.png
    if args.gif is not None:
        from ..lab.share.export import save_animation
        from ..panels import make_frame

        try:
            save_animation(run.recipe, make_frame(run, run.landscape), args.gif, frames=args.frames, fps=args.fps,
                           progress=not args.json)
        except OSError as err:
            print(f"regress-widgets run: error: --gif: cannot write {args.gif}: {err.strerror or err}",
                  file=sys.stderr)
            return 2
        summary["gif"] = args.gif
    if args.json:
        print(dumps(summary))
    else:
        _print_run(summary)
        if summary.get("png"):
            print(f"  panels written to {summary['png']}")
        if summary.get("gif"):
            print(f"  animation written to {summary['gif']}")
    return 0


def _cmd_replay(args) -> int:
    result = replay(args.file)
    summary = result.summary()
    if args.json:
        print(dumps(summary))
    else:
        print(f"{summary['framework']} {summary['framework_version']} on recipe {summary['recipe']}, "
              f"{summary['steps']} steps, seed {summary['seed']}")
        if (summary["optimizer"], summary["momentum"], summary["weight_decay"]) != ("sgd", 0, 0):
            print("  optimizer " + ", ".join(f"{k} {summary[k]:g}" if not isinstance(summary[k], str) else summary[k]
                                             for k in ("optimizer", "momentum", "beta1", "beta2", "eps",
                                                       "weight_decay")))
        for name in ("dtheta", "dlr", "dloss"):
            print(f"  max |{name[1:]:>5} difference| {summary['max_abs_' + name]:.3g}")
        stop = summary["framework_diverged_at"]
        if stop:
            engine = ("the engine had blown up by then too" if summary["engine_blew_up"]
                      else "but the engine had NOT blown up there")
            print(f"  the framework stopped producing finite numbers at step {stop}; {engine}")
        print(f"  engine run on the recording's data: {result.verdict.text}")
        verdict = "matches" if summary["ok"] else "does NOT match"
        print(f"  the engine {verdict} the framework (tolerance {summary['tolerance']:g})")
    return 0 if summary["ok"] else 1


def _cmd_lab(args) -> int:
    from .launch import lab

    return lab(args.folder, args.jupyter_args)


def _cmd_app(args) -> int:
    from .launch import app

    return app(args.notebook, args.jupyter_args, folder=args.folder)


def _cmd_singleuser(args) -> int:
    from .launch import singleuser

    return singleuser(args.folder, args.jupyter_args)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="regress-widgets", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("run", help="train one tutorial variant (or your own CSV data) and print a summary")
    p.add_argument("recipe", nargs="?", help=f"one of {', '.join(RECIPES)} (left out with --csv)")
    p.add_argument("--csv", metavar="FILE", help="train on your own data: a CSV file (comma, semicolon or tab)")
    p.add_argument("--x", metavar="COL[,COL…]", help="with --csv: the input column(s), names or indices")
    p.add_argument("--y", metavar="COL", help="with --csv: the target column")
    p.add_argument("--like", metavar="RECIPE", help=f"with --csv: whose conventions, one of {', '.join(RECIPES)} "
                   "(default pytorch)")
    p.add_argument("--standardize", action="store_true", help="with --csv: train on standardized features "
                   "(θ reported in the data's units)")
    p.add_argument("--drop-missing", action="store_true", help="with --csv: drop rows with an empty, NaN or "
                   "infinite cell (saying how many) instead of refusing the file")
    p.add_argument("--seed", type=int, default=0)
    add_setting_options(p)
    p.add_argument("--backend", default="numpy", help=f"one of {', '.join(BACKENDS)}")
    p.add_argument("--dtype", default="float64", help="float64 or float32")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--png", metavar="FILE", help="write the panels (1280×720 PNG) to FILE")
    p.add_argument("--gif", metavar="FILE", help="write the run as an animated GIF to FILE: the path growing over "
                   "the contours, the loss curve with it")
    p.add_argument("--frames", type=int, metavar="N", help="with --gif: pictures in it (default 60; at most one a "
                   "step)")
    p.add_argument("--fps", type=float, metavar="N", help="with --gif: pictures a second (default 15)")
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

    p = sub.add_parser("singleuser", help="a student's server on a JupyterHub (the hub's Spawner.cmd): copies of "
                       "the notebooks, then jupyterhub-singleuser on them (docs/classroom-hub.md)")
    p.add_argument("--folder", help="the copies of the notebooks (default ~/regress_widgets_notebooks)")
    p.set_defaults(func=_cmd_singleuser)

    p = sub.add_parser("class-service", help="the class service (a JupyterHub service: the hub starts it)")
    p.add_argument("--db", help="SQLAlchemy URL of the answers' database (default: $REGRESS_WIDGETS_CLASS_DB, "
                   "else answers.sqlite in the current folder)")
    p.set_defaults(func=_cmd_class_service)

    from .map import add_map_command  # map: the stability map

    add_map_command(sub)
    from .frameworks import add_subcommands  # envs, record: the real frameworks

    add_subcommands(sub)
    for command in sub.choices.values():  # so that an error names an option only where the command has it
        command.set_defaults(options={s for action in command._actions for s in action.option_strings})
    return parser


def _cmd_class_service(args) -> int:
    try:
        from ..hub.service import main as service
    except ImportError as err:  # jupyterhub and SQLAlchemy live in the hub's environment, not every student's
        print(f"regress-widgets class-service: error: {err.name or err} is not installed: "
              "pip install 'regress_widgets[hub]' in the hub's environment", file=sys.stderr)
        return 2
    return service([] if args.db is None else ["--db", args.db])


def main(argv=None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest and args.command not in ("lab", "app", "singleuser"):  # these pass the rest to Jupyter / Voilà
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    args.jupyter_args = rest
    try:
        return args.func(args)
    except (InvalidSetting, RecordingError, DataError) as err:
        print(f"regress-widgets {args.command}: error: {_where(err, args)}: {err}", file=sys.stderr)
        return 2


def _where(err, args) -> str:
    """The option an error is about (``--batch-size``), or the field or recording key when the command has none."""
    name = getattr(err, "field", None) or getattr(err, "key", "input")
    flag = f"--{name.replace('_', '-')}"
    return flag if flag in getattr(args, "options", ()) else name


if __name__ == "__main__":
    sys.exit(main())
