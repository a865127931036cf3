"""Pictures for slides: PNG, SVG and PDF at a chosen size and DPI; the run as a GIF (its frames asked for, each
different); the Lab's export button; ``regress-widgets run --gif``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib import animation  # noqa: E402
from PIL import Image  # noqa: E402
from test_cli import call  # noqa: E402  (cli.main in this process: exit code, stdout, stderr)

from regress_widgets.lab import Lab  # noqa: E402
from regress_widgets.recipes.tutorials import InvalidSetting  # noqa: E402


@pytest.fixture(scope="module")
def lab():
    lab = Lab("pytorch", display="none", epochs=3)  # 21 steps
    lab.pin()
    lab.set(lr=0.03, pair=(0, 1), zoom="basin")
    return lab


def _frames(path) -> list[np.ndarray]:
    with Image.open(path) as gif:
        out = []
        for k in range(gif.n_frames):
            gif.seek(k)
            out.append(np.asarray(gif.convert("RGB")))
    return out


def test_save_png_svg_pdf_at_size_and_dpi(lab, tmp_path):
    png = lab.save(tmp_path / "fig.png", dpi=50)
    with Image.open(png) as image:
        assert image.size == (640, 360)  # 12.8 × 7.2 in at 50 dpi
    with Image.open(lab.save(tmp_path / "small.png", size=(8, 4.5), dpi=40)) as image:
        assert image.size == (320, 180)
    assert b"<svg" in lab.save(tmp_path / "fig.svg").read_bytes()[:2000]
    assert lab.save(tmp_path / "fig.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("kwargs, field", [
    ({"path": "fig.jpg"}, "path"), ({"path": "no/such/folder/fig.png"}, "path"), ({"dpi": 0}, "dpi"),
    ({"dpi": "high"}, "dpi"), ({"size": (0.5, 3)}, "size"), ({"size": "big"}, "size"),
])
def test_save_refuses_bad_input_naming_it(lab, tmp_path, monkeypatch, kwargs, field):
    monkeypatch.chdir(tmp_path)
    kwargs = {"path": "fig.png", **kwargs}
    with pytest.raises(InvalidSetting) as err:
        lab.save(kwargs.pop("path"), **kwargs)
    assert err.value.field == field


def test_gif_has_the_frames_asked_for_each_different(lab, tmp_path):
    path = lab.save_animation(tmp_path / "run.gif", frames=6, fps=10, dpi=30, progress=False)
    frames = _frames(path)
    assert len(frames) == 6
    for a, b in zip(frames, frames[1:], strict=False):
        assert a.shape == b.shape and (a != b).any()
    with Image.open(path) as gif:
        assert gif.info["duration"] == 100  # 10 frames a second
    assert lab.position == lab.run.steps  # the Lab itself did not move


def test_one_frame_per_step_at_most(tmp_path):
    short = Lab("caffe2", display="none", steps=4)
    assert len(_frames(short.save_animation(tmp_path / "a.gif", dpi=20, progress=False))) == 5  # default: every step
    with pytest.raises(InvalidSetting) as err:
        short.save_animation(tmp_path / "b.gif", frames=6, progress=False)
    assert err.value.field == "frames" and "[2, 5]" in str(err.value)
    for kwargs, field in (({"fps": 0}, "fps"), ({"frames": 2.5}, "frames"), ({"dpi": 1000}, "dpi")):
        with pytest.raises(InvalidSetting) as err:
            short.save_animation(tmp_path / "c.gif", progress=False, **kwargs)
        assert err.value.field == field
    with pytest.raises(InvalidSetting) as err:
        short.save_animation(tmp_path / "c.avi")
    assert err.value.field == "path"


@pytest.mark.skipif(animation.writers.is_available("ffmpeg"), reason="ffmpeg is installed here")
def test_mp4_without_ffmpeg_says_so(lab, tmp_path):
    with pytest.raises(RuntimeError, match="ffmpeg"):
        lab.save_animation(tmp_path / "run.mp4", progress=False)
    assert not (tmp_path / "run.mp4").exists()


def test_export_button_writes_a_png_here_and_says_where(lab, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lab.controls["export"].click()
    lab.controls["export"].click()
    assert (tmp_path / "lab-pytorch-01.png").is_file() and (tmp_path / "lab-pytorch-02.png").is_file()
    assert "saved" in lab.message and "lab-pytorch-02.png" in lab.message


def test_cli_gif(tmp_path, capsys):
    path = tmp_path / "run.gif"
    code, out, err = call(["run", "pytorch", "--epochs", "1", "--gif", str(path), "--frames", "4", "--fps", "5",
                            "--json"], capsys)
    assert code == 0, err
    assert '"gif"' in out and len(_frames(path)) == 4


@pytest.mark.parametrize("args, flag", [
    (["--gif", "run.png"], "--gif"), (["--gif", "no/such/run.gif"], "--gif"), (["--frames", "4"], "--frames"),
    (["--gif", "run.gif", "--frames", "1"], "--frames"), (["--gif", "run.gif", "--fps", "0"], "--fps"),
    (["--gif", "run.gif", "--frames", "500"], "--frames"), (["--gif", "run.gif", "--fps", "fast"], "--fps"),
])
def test_cli_gif_refuses_bad_input_in_one_line(tmp_path, capsys, monkeypatch, args, flag):
    monkeypatch.chdir(tmp_path)
    code, _, err = call(["run", "pytorch", "--epochs", "1", *args], capsys)
    assert code == 2 and flag in err and len(err.strip().splitlines()) == 1
