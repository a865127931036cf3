"""The one thing pyproject.toml cannot say: the top-level notebooks/ folder ships inside the package, as
regress_widgets.notebooks (package data), so that a wheel from a package index can open them. Everything else
is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["regress_widgets", "regress_widgets.*"]), "regress_widgets.notebooks"],
    package_dir={"regress_widgets.notebooks": "notebooks"},
)
