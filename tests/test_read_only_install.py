"""A read-only install (a hub image's site-packages): compiled runs and a Lab work, nothing is written into the
package, numba caches in the user's folder, and the student sees no warning."""

import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = textwrap.dedent("""
    import sys, warnings
    warnings.simplefilter("error")
    import regress_widgets as rw
    assert rw.__file__.startswith(sys.argv[1]), rw.__file__
    rw.train("mxnet", epochs=1)              # large: numba's compiled loop
    rw.train("pytorch", dtype="float32")     # float32: compiled too
    lab = rw.Lab("pytorch", display="none")  # small: no numba needed
    lab.controls["lr"].value = 0.02
    lab.figure.canvas.draw()
    print("ok")
""")


def _files(folder):
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs)


@pytest.mark.skipif(sys.platform != "linux", reason="uses a Linux user switch when run as root")
def test_a_read_only_install_caches_elsewhere(tmp_path):
    wheels = tmp_path / "wheels"
    build = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(wheels), ROOT],
                           capture_output=True, text=True)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
                    *map(str, wheels.glob("*.whl"))], check=True)
    before = _files(site)
    home = tmp_path / "home"
    home.mkdir()
    for d, dirs, fs in os.walk(tmp_path):  # everything readable by all, the install by none writable
        for name in dirs + fs:
            p = os.path.join(d, name)
            os.chmod(p, os.stat(p).st_mode | stat.S_IROTH | (stat.S_IXOTH if os.path.isdir(p) else 0))
    os.chmod(tmp_path, 0o755)
    os.chmod(home, 0o777)
    subprocess.run(["chmod", "-R", "a-w", str(site)], check=True)
    deps = sysconfig.get_paths()["purelib"]  # numpy, numba, matplotlib… of this environment, the package not
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "PYTHONPATH": f"{site}{os.pathsep}{deps}",
           "MPLCONFIGDIR": str(home / "mpl"), "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}
    command = [getattr(sys, "_base_executable", sys.executable), "-c", SCRIPT, str(site)]  # not the venv: its
    # editable install of the package would come first
    if os.geteuid() == 0:  # root writes past file modes: mount the install read-only, as an image's would be
        if not shutil.which("unshare"):
            pytest.skip("root without unshare(1): a read-only install cannot be made here")
        command = ["unshare", "-m", "sh", "-c", f'mount --bind "{site}" "{site}" && '
                   f'mount -o remount,ro,bind "{site}" && exec "$0" "$@"', *command]
    try:
        out = subprocess.run(command, env=env, cwd=home, capture_output=True, text=True, timeout=600)
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(site)], check=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "ok" and out.stderr == "", out.stderr[-3000:]
    assert _files(site) == before  # nothing written into the install
    cached = _files(home / ".cache" / "regress_widgets" / "numba")
    assert any(f.endswith(".nbi") for f in cached)
    shutil.rmtree(home, ignore_errors=True)

