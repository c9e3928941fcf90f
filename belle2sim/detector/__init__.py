"""Detector response: card loading and one numba kernel module per subsystem."""
