"""Registry cases for functionals (see tests/test_registry.py)."""

from registry_support import Case, _features

CASES = {
    "functionals.functionals": Case(_features, lambda f, x: f(x, ["mean", "std", "skew", "kurtosis", "slope",
                                                                    "p10", "p90"])),
}
NOT_ARRAY_OPS = {"functionals.functional_names": "test_functionals; returns names"}
