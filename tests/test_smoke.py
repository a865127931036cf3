import numpy as np

import regress_widgets as rw


def test_every_recipe_trains_near_the_truth():
    for name, recipe in rw.RECIPES.items():
        run = rw.train(name, seed=0)
        assert run.theta.shape == (recipe.total_steps + 1, recipe.dim + 1)
        assert np.allclose(run.theta[-1], recipe.theta_true, atol=0.3)
