from nanosynth.models.transfer import transfer_experiment

FAST = {"n_members": 2, "n_estimators": 30, "max_depth": 3}


def test_transfer_table_has_transfer_and_alone_rows(recipe_frames_small):
    table = transfer_experiment(recipe_frames_small, ["PbSe"], ks=(0, 5, 10), repeats=1, estimator_params=FAST)
    assert set(table["setting"]) == {"transfer", "alone"}
    assert sorted(table.query("setting == 'transfer'")["n_added"]) == [0, 5, 10]
    assert (table["mae"] > 0).all() and (table["n_test"] > 0).all()
