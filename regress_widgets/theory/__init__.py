"""The theory of the loss surface: the exact landscape of a recipe's data, stability limits, and the verdict on a
run (converged, still moving, diverging). May import recipes (and numba, lazily); never the engine or widgets.

    landscape.py      Landscape: the quadratic loss, its optimum, λmax and the stability limit 2/λmax
    stability.py      Stability: the limits of momentum, Nesterov and Adam, and of shuffled minibatches
    epoch_moments.py  the exact second moment of a shuffled epoch, compiled with numba
    verdict.py        the verdict the Lab and the command line show
"""
