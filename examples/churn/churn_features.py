# The churn pipeline's own transformer step: numeric columns arrive as text (the input is BYTES) and become floats,
# an empty or unreadable cell NaN (the pipeline's imputer fills it). The pickle refers to this module by name.

import numpy as np


def _number(cell):
    try:
        return float(cell)
    except (TypeError, ValueError):
        return np.nan


def to_float(columns):
    return np.vectorize(_number, otypes=[np.float64])(np.asarray(columns, dtype=object))
