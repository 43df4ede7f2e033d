from geo.gazetteer import load_gazetteer, normalise_postcode
from geo.taxonomy import CATEGORIES, HARM_WEIGHTS, LABELS, POLICE_UK_CATEGORY, category_for


def test_every_police_uk_label_maps_to_a_category():
    assert set(POLICE_UK_CATEGORY.values()) <= set(CATEGORIES)
    for label in POLICE_UK_CATEGORY:
        assert category_for(label) == POLICE_UK_CATEGORY[label]


def test_every_category_has_a_label_and_a_harm_weight():
    assert set(LABELS) == set(CATEGORIES)
    assert set(HARM_WEIGHTS) == set(CATEGORIES)
    assert HARM_WEIGHTS["burglary"] > HARM_WEIGHTS["criminal_damage"] > HARM_WEIGHTS["asb"] > 0


def test_csu_labels_fold_case_and_punctuation():
    assert category_for("Anti Social Behaviour") == "asb"
    assert category_for("  asb ") == "asb"
    assert category_for("BURGLARY - RESIDENTIAL") == "burglary"
    assert category_for("criminal_damage") == "criminal_damage"
    assert category_for("") is None


def test_gazetteer_postcodes_in_any_spacing():
    gaz = load_gazetteer()
    assert len(gaz.points) == 4819
    assert normalise_postcode("tn13 1aa") == "TN131AA"
    assert gaz.points.loc["TN131AA"].tolist() == [553007.0, 154630.0]


def test_council_categories_from_a_csu_log_are_their_own():
    from geo.taxonomy import HARM_WEIGHTS, LABELS, category_for

    for label, code in [
        ("Fly-tipping", "fly_tipping"),
        ("fly tipping", "fly_tipping"),
        ("Graffiti", "graffiti"),
        ("Abandoned vehicle", "abandoned_vehicle"),
        ("Noise complaint", "noise"),
    ]:
        assert category_for(label) == code
        assert code in HARM_WEIGHTS
        assert code in LABELS
