"""The action vocabulary: every operator prompt formats with the parameters it declares."""

from __future__ import annotations

import string

import pytest

from harness.control.vocabulary import ACTIONS, SECRET_PARAMS, prompt_for


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_prompt_formats_with_its_params(name: str) -> None:
    spec = ACTIONS[name]
    assert spec.name == name
    assert spec.dut_kind in ("charging-station", "csms")
    # Every placeholder is a declared parameter or the identity (else: KeyError).
    assert _fields(spec.prompt) <= {*spec.params, "identity"}, spec.prompt
    params = {param: f"<{param}>" for param in spec.params}
    prompt = prompt_for(name, params, "CP1")
    assert "{" not in prompt and "}" not in prompt, prompt
    for field in _fields(spec.prompt):
        if field in SECRET_PARAMS:
            assert f"<{field}>" not in prompt, prompt  # a secret is never printed
            continue
        assert (f"<{field}>" if field != "identity" else "CP1") in prompt
    # Missing parameters are shown as "-", never as an unfilled template.
    bare = prompt_for(name, {}, "CP1")
    assert "{" not in bare and "}" not in bare, bare


def test_prompt_words() -> None:
    assert prompt_for("reboot", {}, "CP1") == (
        "Restart the charging station CP1 from its own maintenance interface "
        "(a graceful reboot, not a power cut)"
    )
    assert prompt_for("power_cycle", {}, "CP1") == (
        "Cut the power of the charging station CP1, then restore it (cold boot)"
    )
    assert (
        prompt_for("plug_in", {"evse": 1, "connector": 2}, "CP1")
        == "Plug a cable into EVSE 1 connector 2"
    )
    assert prompt_for("plug_in", {"evse": 1}, "CP1") == "Plug a cable into EVSE 1 connector -"
    assert (
        prompt_for("present_token", {"token": "04A2B3C4", "evse": 1}, "CP1")
        == "Present the identification token 04A2B3C4 at EVSE 1"
    )
    assert prompt_for("reset", {"type": "Immediate"}, "CP1") == (
        "Make the CSMS send a Reset (Immediate) to CP1"
    )


def test_unknown_action_gets_a_generic_prompt() -> None:
    assert prompt_for("dance", {"style": "tango"}, "CP1") == (
        "Do 'dance' on CP1 ({'style': 'tango'})"
    )
    assert prompt_for("dance", {}, "CP1") == "Do 'dance' on CP1 ({})"


def test_a_case_may_ask_only_for_actions_and_params_of_the_vocabulary() -> None:
    """What docs/control.md tells a lab service to expect is all a case may send it."""
    from harness.control.vocabulary import check_action
    from harness.verdicts import ScriptError

    check_action("plug_in", {"evse": 1, "connector": 1})
    check_action("reboot", {})
    with pytest.raises(ScriptError, match=r"dut.act\('dance'\): not an action of the vocabulary"):
        check_action("dance", {})
    with pytest.raises(
        ScriptError,
        match=r"dut.act\('plug_in'\): side not among its parameters \(evse, connector\)",
    ):
        check_action("plug_in", {"evse": 1, "side": "EV"})


def test_a_bracketed_part_of_a_prompt_shows_only_with_its_parameters() -> None:
    assert prompt_for("reset", {"type": "OnIdle", "evse": 1}, "CP1") == (
        "Make the CSMS send a Reset (OnIdle) to CP1 for EVSE 1"
    )
    assert prompt_for("boot_pending", {}, "CP1") == (
        "Configure the CSMS to answer the next BootNotification of CP1 with Pending"
    )
    assert prompt_for("change_availability", {"evse": 2, "operative": False}, "CP1") == (
        "Make the CSMS change the availability of CP1 EVSE 2 (ChangeAvailability; operative: False)"
    )
