"""The ``regress-widgets envs`` and ``regress-widgets record`` subcommands."""

from __future__ import annotations

import json
import sys

from ..frameworks import envs
from ..frameworks.record import FRAMEWORKS, RecordError, record
from ..frameworks.recording import replay
from .jsonout import dumps
from .options import add_setting_options, settings_from


def add_subcommands(sub) -> None:
    """Add ``envs`` and ``record`` to the ``regress-widgets`` subparsers ``sub``."""
    p = sub.add_parser("envs", help="build the isolated Caffe2 / MXNet / PyTorch environments")
    envs_sub = p.add_subparsers(dest="envs_command", required=True, parser_class=type(p))
    q = envs_sub.add_parser("install", help="build one environment, or all (fast when already built)")
    q.add_argument("name", choices=[*FRAMEWORKS, "all"])
    q.add_argument("--python", help="the interpreter to build it from (default: found on PATH or in pyenv)")
    q.add_argument("--force", action="store_true", help="rebuild even when already built")
    q.set_defaults(func=_cmd_envs_install)
    q = envs_sub.add_parser("list", help="where each environment lives and whether it is built")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_cmd_envs_list)
    q = envs_sub.add_parser("python", help="print the interpreter of a built environment")
    q.add_argument("name", choices=FRAMEWORKS)
    q.set_defaults(func=_cmd_envs_python)

    p = sub.add_parser("record", help="run a real framework's tutorial and write a recording")
    p.add_argument("framework", choices=FRAMEWORKS)
    p.add_argument("--out", required=True, help="the recording to write (.npz)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--python", help="the interpreter to run (default: the framework's environment)")
    add_setting_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object (the replay summary)")
    p.set_defaults(func=_cmd_record)


def _fail(command: str, err: Exception) -> int:
    print(f"regress-widgets {command}: error: {err}", file=sys.stderr)
    return 1


def _cmd_envs_install(args) -> int:
    names = FRAMEWORKS if args.name == "all" else (args.name,)
    if args.python and len(names) > 1:
        print("regress-widgets envs install: error: --python: give one environment name with it", file=sys.stderr)
        return 2
    for name in names:
        try:
            envs.install(name, python=args.python, force=args.force, log=lambda s: print(s, flush=True))
        except envs.EnvError as err:
            return _fail("envs install", err)
    return 0


def _cmd_envs_list(args) -> int:
    rows = envs.status()
    if args.json:
        print(json.dumps(rows))
    else:
        for row in rows:
            state = "built" if row["built"] else f"not built ({envs.install_hint(row['name'])})"
            print(f"{row['name']:8} {row['path']}  {state}")
    return 0


def _cmd_envs_python(args) -> int:
    try:
        print(envs.env_python(args.name))
    except envs.EnvError as err:
        return _fail("envs python", err)
    return 0


def _cmd_record(args) -> int:
    overrides = settings_from(args)

    def log(s):
        if not args.json:
            print(s, flush=True)

    try:
        rec = record(args.framework, args.out, seed=args.seed, python=args.python, log=log, **overrides)
    except (envs.EnvError, RecordError) as err:
        return _fail("record", err)
    summary = replay(rec).summary()
    if args.json:
        print(dumps({**summary, "out": args.out}))
    else:
        print(f"wrote {args.out}: {summary['steps']} steps of {rec.meta['framework']} "
              f"{rec.meta['framework_version']} (Python {rec.meta['python']}), seed {args.seed}")
        print(f"  engine replay: max |Δθ| {summary['max_abs_dtheta']:.3g}, |Δlr| {summary['max_abs_dlr']:.3g}, "
              f"|Δloss| {summary['max_abs_dloss']:.3g} — {'within' if summary['ok'] else 'OUTSIDE'} "
              f"tolerance {summary['tolerance']:g}")
    return 0
