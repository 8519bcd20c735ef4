"""Hypothesis settings for the fuzz properties: a short, reproducible run in CI and a long run for
`bench/fuzz.py`. SHIPPROMISE_FUZZ_PROFILE picks one; SHIPPROMISE_FUZZ_EXAMPLES sizes the long one."""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI, LONG = "shippromise-fuzz-ci", "shippromise-fuzz-long"
SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]

settings.register_profile(CI, max_examples=100, deadline=None, derandomize=True, database=None,
                          suppress_health_check=SLOW_IS_FINE)
settings.register_profile(LONG, max_examples=int(os.environ.get("SHIPPROMISE_FUZZ_EXAMPLES", "20000")),
                          deadline=None, print_blob=True, suppress_health_check=SLOW_IS_FINE)

FUZZ = settings.get_profile(os.environ.get("SHIPPROMISE_FUZZ_PROFILE", CI))
