"""The collector is paused only for the block and only switched back on if it was on."""

from __future__ import annotations

import gc

import pytest

from optimizer.gc_pause import paused_gc


def test_paused_inside_and_restored_after_even_on_error():
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), paused_gc():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_caller_who_paused_it_keeps_it_paused():
    gc.disable()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
