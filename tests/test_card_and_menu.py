"""Cards and menus are validated on load; errors name the file, the key and the problem."""

import re

import pytest

from belle2sim import resources
from belle2sim.detector.card import load_card
from belle2sim.errors import CardError, MenuError
from belle2sim.trigger.menu import load_menu

CARD = resources.shipped("geometry", "belle2.toml").read_text()
MENU = resources.shipped("trigger", "belle2_l1.toml").read_text()


def _write(tmp_path, text, name="card.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize("edit,message", [
    (lambda t: t.replace("cluster_min_energy_GeV = 0.020", "cluster_min_energy_GeV = 0.020\nfoo_GeV = 1"),
     r"unknown key 'ecl.foo_GeV'"),
    (lambda t: t.replace("cluster_min_energy_GeV = 0.020", "cluster_min_energy_MeV = 20"),
     r"'ecl.cluster_min_energy_MeV' has the wrong unit.*ecl.cluster_min_energy_GeV"),
    (lambda t: t.replace("merge_angle_rad = 0.0436\n", ""), r"missing key 'ecl.merge_angle_rad'"),
    (lambda t: t.replace("her_energy_GeV = 7.004", 'her_energy_GeV = "7"'), r"beams.her_energy_GeV.*expected a number"),
    (lambda t: t.replace("barrel_theta_deg = [32.2, 128.7]", "barrel_theta_deg = [128.7, 32.2]"),
     r"ecl.barrel_theta_deg.*empty or reversed"),
    (lambda t: t.replace("forward_theta_deg = [12.4, 31.4]", "forward_theta_deg = [12.4, 40.0]"),
     r"ecl.forward_theta_deg.*overlaps"),
    (lambda t: t.replace("[19.05, 25.8], [25.8, 31.4]", "[19.05, 26.8], [25.8, 31.4]"),
     r"theta_ring_edges_deg.*overlaps"),
    (lambda t: t.replace("[beams]", "[beams\n"), r"not valid TOML"),
    # physical ranges, not only types
    (lambda t: t.replace("barrel = [-0.0473491, 1.02015, -0.705164, 1.77086]", "barrel = [-5, -1, -1, -1]", 1),
     r"ecl.energy_resolution.barrel.*resolution .* <= 0"),
    (lambda t: t.replace('default_period = "2019-2021"', 'default_period = "2030"'),
     r"trigger_calibration.default_period.*'2030' is not one of the periods"),
    (lambda t: t.replace("track_efficiency = 0.943", "track_efficiency = 1.2"),
     r"trigger_calibration.periods.2019-2021.track_efficiency"),
])
def test_malformed_cards(tmp_path, edit, message):
    path = _write(tmp_path, edit(CARD))
    with pytest.raises(CardError, match=message) as err:
        load_card(path)
    assert str(path) in str(err.value)


def test_shipped_card_sources_every_table(card):
    for name, table in card.doc.items():
        if name != "card":
            assert table["source"].strip(), name


@pytest.mark.parametrize("edit,message", [
    (lambda t: t.replace('logic = "ehigh and !bha_veto and !veto"', 'logic = "ehigh and !bha_vto"'),
     r"line 'hie' uses unknown input bit\(s\) bha_vto"),
    (lambda t: t.replace('logic = "ehigh and !bha_veto and !veto"', 'logic = "ehigh and (bha_veto"'),
     r"line 'hie': cannot parse"),
    (lambda t: t.replace("prescale = 100", "prescale = -1"), r"lines.bha3d.prescale.*>= 0"),
    (lambda t: t.replace("elow_threshold_GeV = 0.5", "elow_threshold_MeV = 500"), r"wrong unit"),
    (lambda t: t.replace("lml13 = [6, 7, 8, 9, 10, 11]", "lml13 = [6, 18]"), r"theta-IDs must be 1..17"),
    (lambda t: t[: t.index("[lines.hie]")], r"no \[lines.NAME\] tables"),
])
def test_malformed_menus(tmp_path, edit, message):
    path = _write(tmp_path, edit(MENU), "menu.toml")
    with pytest.raises(MenuError, match=message) as err:
        load_menu(path)
    assert str(path) in str(err.value)


def test_menu_is_the_ftd_0036_vocabulary(menu):
    """Spot checks against the data sheet's appendix A (ftd_0036)."""
    assert re.sub(r"\s", "", menu.lines["hie"].logic) == "ehighand!bha_vetoand!veto"
    assert menu.lines["c4"].logic == "clst>3 and !bha_veto and !veto"
    assert "lml11" not in menu.lines
    assert menu.lines["bha3d"].prescale > 1
    assert "hie" in menu.unprescaled() and "bha3d" not in menu.unprescaled()
