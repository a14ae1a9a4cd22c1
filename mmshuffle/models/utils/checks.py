"""Validation of user arguments, with errors that say what was wrong.

Every check raises ``TypeError`` for a value of the wrong type and
``ValueError`` for a value out of range, naming the argument, the value
received and what is allowed.
"""
from collections.abc import Sequence
from numbers import Real
from typing import Collection, Tuple

import torch
from torch import Tensor


def _kind(value) -> str:
    """Name the kind of a value: 'number' for any real but bool."""
    if isinstance(value, Real) and not isinstance(value, bool):
        return 'number'
    return type(value).__name__


def check_choice(name: str, value, allowed: Collection) -> None:
    """Check that ``value`` is one of ``allowed``.

    Args:
        name (str): The argument's name, for the message.
        value: The value received.
        allowed (Collection): The values allowed.

    Raises:
        TypeError: If ``value`` is of another kind than ``allowed`` (a
            string where numbers are allowed, say).
        ValueError: If ``value`` is not in ``allowed``.
    """
    if _kind(value) not in {_kind(choice) for choice in allowed}:
        raise TypeError(f'{name} must be one of {tuple(allowed)}, got '
                        f'{value!r} of type {type(value).__name__}')
    if value not in allowed:
        raise ValueError(
            f'{name} must be one of {tuple(allowed)}, got {value!r}')


def check_positive_number(name: str, value) -> None:
    """Check that ``value`` is a real number greater than zero.

    Args:
        name (str): The argument's name, for the message.
        value: The value received.

    Raises:
        TypeError: If ``value`` is not a real number.
        ValueError: If ``value`` is not greater than zero.
    """
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f'{name} must be a positive number, got '
                        f'{value!r} of type {type(value).__name__}')
    if not value > 0:
        raise ValueError(f'{name} must be a positive number, got {value!r}')


def check_int_in_range(name: str, value, low: int, high: int) -> None:
    """Check that ``value`` is an int with ``low <= value <= high``.

    Args:
        name (str): The argument's name, for the message.
        value: The value received.
        low (int): The smallest value allowed.
        high (int): The largest value allowed.

    Raises:
        TypeError: If ``value`` is not an int.
        ValueError: If ``value`` is out of range.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f'{name} must be an int from {low} to {high}, got '
                        f'{value!r} of type {type(value).__name__}')
    if not low <= value <= high:
        raise ValueError(
            f'{name} must be an int from {low} to {high}, got {value!r}')


def check_out_indices(out_indices, num_stages: int) -> Tuple[int, ...]:
    """Check ``out_indices`` against the stages a backbone has.

    Args:
        out_indices: The value received: a non-empty sequence of stage
            indices.
        num_stages (int): How many stages the backbone has.

    Returns:
        tuple[int]: ``out_indices`` as a tuple.

    Raises:
        TypeError: If ``out_indices`` is not a sequence of ints.
        ValueError: If it is empty or an index is out of range.
    """
    if not isinstance(out_indices, Sequence) or isinstance(out_indices, str):
        raise TypeError(
            'out_indices must be a sequence of stage indices, e.g. (0, 1), '
            f'got {out_indices!r} of type {type(out_indices).__name__}')
    if len(out_indices) == 0:
        raise ValueError('out_indices must name at least one stage in '
                         f'range(0, {num_stages}), got {out_indices!r}')
    for index in out_indices:
        check_int_in_range('each item of out_indices', index, 0,
                           num_stages - 1)
    return tuple(out_indices)


def check_input_channels(x: Tensor, expected: int) -> None:
    """Check that an input batch has the channels a network expects.

    Modules that call it inside a forward declare it a ``torch.fx`` leaf with
    ``torch.fx.wrap('check_input_channels')``, so the check survives a
    symbolic trace.

    Args:
        x (Tensor): The ``(N, C, H, W)`` input.
        expected (int): The number of channels the first layer takes.

    Raises:
        ValueError: If ``x`` is not 4-D or has another number of channels.
    """
    if torch.jit.is_tracing():
        # Shapes are tensors here; a trace is fixed to its example's shape.
        return
    if x.dim() != 4:
        raise ValueError('the input must be a 4-D (N, C, H, W) tensor, got '
                         f'shape {tuple(x.shape)}')
    if x.shape[1] != expected:
        raise ValueError(f'the input must have {expected} channels, got '
                         f'{x.shape[1]} (input shape {tuple(x.shape)})')

