"""Small classic datasets shipped with the package, each with its source cited.

``anscombe(k)``: Anscombe's quartet, dataset k = 1 … 4, as a recipe (``x`` against ``y``, 11 points each).

Source: F. J. Anscombe, "Graphs in Statistical Analysis", *The American Statistician* 27 (1): 17–21 (1973),
Table 1. The four datasets have the same means, variances, correlation and least-squares line
(y ≈ 3.00 + 0.500·x), and look nothing alike: the loss surface of a straight-line fit is the same for
all four, so it cannot tell a line from a curve or an outlier. The numbers are facts published in 1973 and
reproduced in every statistics package (R's ``datasets::anscombe``, from which the file's layout
x1, y1, …, x4, y4 is taken); they are free of copyright. ``anscombe.csv`` beside this file holds them.
"""

from __future__ import annotations

from importlib import resources

from ...recipes.tutorials import InvalidSetting, Recipe

__all__ = ["ANSCOMBE_SOURCE", "anscombe", "anscombe_file"]

ANSCOMBE_SOURCE = ('F. J. Anscombe, "Graphs in Statistical Analysis", The American Statistician 27 (1): 17–21 '
                   "(1973), Table 1")


def anscombe_file():
    """The shipped CSV file of Anscombe's quartet (columns x1, y1, …, x4, y4), as a path-like resource."""
    return resources.files(__name__).joinpath("anscombe.csv")


def anscombe(k: int = 1, **from_data_options) -> Recipe:
    """Dataset ``k`` (1 … 4) of Anscombe's quartet as a recipe: ``x`` against ``y``, 11 points.
    ``from_data_options``: ``like``, ``standardize``, settings, … as :func:`~regress_widgets.from_data` takes."""
    from ..csv_file import read_csv

    if isinstance(k, bool) or k not in (1, 2, 3, 4):
        raise InvalidSetting("k", "one of 1, 2, 3, 4 (the quartet's datasets)", k)
    with resources.as_file(anscombe_file()) as path:
        recipe = read_csv(path, x=f"x{k}", y=f"y{k}", **{"name": f"anscombe_{k}", "feature_names": ["x"],
                                                                  "target_name": "y", **from_data_options})
    return recipe
