"""Registry cases for functionals (see tests/test_registry.py)."""

from registry_support import Case, _features

CASES = {
    "summaries.functionals": Case(_features, lambda f, x: f(x, ["mean", "std", "skew", "kurtosis", "slope",
                                                                    "p10", "p90"])),
}
NOT_ARRAY_OPS = {"summaries.functional_names": "test_functionals; returns names"}

# the named feature set (featureset.py); slow-ish (pYIN per item), so a short signal
from registry_support import _tones  # noqa: E402

CASES["featureset.extract_features"] = Case(_tones, lambda f, x: f(x, 16000), float64_out=True)
NOT_ARRAY_OPS["featureset.feature_names"] = "test_featureset; returns names"
