from .tiny_digits import digits_root  # noqa: F401  (a shared fixture)
