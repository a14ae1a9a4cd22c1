"""Unknown type names, explained with the names that do exist."""
import difflib
import re
from typing import List, Optional

# MMEngine's message: "Foo is not in the mmpretrain::model registry. ..."
UNKNOWN_TYPE = re.compile(r"^'?(?P<name>\S+) is not in the "
                          r'(?P<scope>\S+)::(?P<registry>\S+) registry')


def mmshuffle_names() -> List[str]:
    """List every type name mmshuffle registers, scope included."""
    import mmshuffle.engine  # noqa: F401  (fills HOOKS)
    import mmshuffle.models  # noqa: F401  (fills MODELS)
    from mmshuffle.registry import HOOKS, MODELS
    return [
        f'mmshuffle.{name}' for registry in (MODELS, HOOKS)
        for name in registry.module_dict
    ]


def explain_unknown_type(error: KeyError) -> Optional[str]:
    """Turn MMEngine's unknown-type ``KeyError`` into a helpful message.

    Args:
        error (KeyError): The error a registry's ``build`` raised.

    Returns:
        str | None: A message that names the type and the registry it was
        looked up in, with close matches from mmshuffle; None if ``error``
        is not an unknown-type error.
    """
    found = UNKNOWN_TYPE.match(str(error.args[0]) if error.args else '')
    if not found:
        return None
    name = found['name']
    candidates = mmshuffle_names()
    bare = {candidate.split('.', 1)[1]: candidate for candidate in candidates}
    matches = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    matches += [
        bare[match] for match in difflib.get_close_matches(
            name.split('.')[-1], list(bare), n=3, cutoff=0.6)
        if bare[match] not in matches
    ]
    message = (f"type '{name}' is in no registry (looked up in the "
               f"{found['scope']}::{found['registry']} registry).")
    if matches:
        message += ' Close matches in mmshuffle: ' + ', '.join(
            f"'{match}'" for match in matches) + '.'
    else:
        message += ' mmshuffle registers: ' + ', '.join(
            f"'{candidate}'" for candidate in candidates) + '.'
    return message
