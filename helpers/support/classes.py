"""Build a class up over several notebook cells, as d2l does.

Usage::

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs): ...

    @helpers.add_to_class(VAE)
    def train_step(self, data): ...
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T", bound=Callable)


def add_to_class(cls: type) -> Callable[[T], T]:
    """Decorator that adds the function it decorates to ``cls`` as a method."""
    def register(function: T) -> T:
        setattr(cls, function.__name__, function)
        return function
    return register
