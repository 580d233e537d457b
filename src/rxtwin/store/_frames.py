"""A pandas DataFrame as plain JSON that reads back exactly, dtypes included.

Layout (``format`` ``"rxtwin.frame/1"``)::

    {"format": "rxtwin.frame/1",
     "columns": ["a", "b"], "columns_dtype": "object", "columns_name": null,
     "dtypes": ["int64", "float64"],
     "data": [[1, 2], [0.5, null]],                # one list per column
     "index": {"range": [0, 2, 1], "name": null}}   # or {"names": [...], "dtypes": [...],
                                                    #     "levels": [[...], ...]}

Supported column (and index) dtypes: numpy bool, signed and unsigned integers, floats
(NaN as ``null``, infinities as ``"inf"``/``"-inf"``), ``object`` holding ``str`` or
``None``, pandas nullable ``Int*``/``UInt*``/``Float*``/``boolean``/``string``
(``<NA>`` as ``null``), and ``datetime64``/``timedelta64`` with or without a time zone
(integer nanoseconds). Column labels and index names are strings (or ``None`` for names).
Anything else raises :class:`~rxtwin.store.errors.StoreInputError` naming the column.
Floats are written with ``repr`` precision, so float64 values read back bit for bit.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import pandas_dtype

from rxtwin.errors import UserInputError
from rxtwin.store.errors import StoreInputError

FRAME_FORMAT = "rxtwin.frame/1"


def frame_to_json(frame: pd.DataFrame, what: str) -> str:
    """Encode ``frame`` as compact JSON text; ``what`` names it in error messages."""
    if not isinstance(frame, pd.DataFrame):
        raise StoreInputError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    if isinstance(frame.columns, pd.MultiIndex):
        raise StoreInputError(f"{what} has MultiIndex columns; flatten them to strings first")
    labels = list(frame.columns)
    bad = [label for label in labels if not isinstance(label, str)]
    if bad:
        raise StoreInputError(f"{what} column labels must be str; {bad[0]!r} is not")
    _check_name(frame.columns.name, f"{what} columns name")
    dtypes, data = [], []
    for position, label in enumerate(labels):
        dtype_text, values = _encode(frame.iloc[:, position], f"{what} column {label!r}")
        dtypes.append(dtype_text)
        data.append(values)
    doc = {
        "format": FRAME_FORMAT,
        "columns": labels,
        "columns_dtype": str(frame.columns.dtype),
        "columns_name": frame.columns.name,
        "dtypes": dtypes,
        "data": data,
        "index": _encode_index(frame.index, what),
    }
    return json.dumps(doc, allow_nan=False, separators=(",", ":"))


def frame_from_json(text: str) -> pd.DataFrame:
    """Decode JSON written by :func:`frame_to_json` into an equal DataFrame."""
    doc = json.loads(text)
    if doc.get("format") != FRAME_FORMAT:
        raise UserInputError(
            f"unknown frame format {doc.get('format')!r}, expected {FRAME_FORMAT!r}"
        )
    index = _decode_index(doc["index"])
    arrays = {
        position: _decode(dtype_text, values)
        for position, (dtype_text, values) in enumerate(
            zip(doc["dtypes"], doc["data"], strict=True)
        )
    }
    frame = pd.DataFrame(arrays, index=index)
    frame.columns = pd.Index(doc["columns"], dtype=doc["columns_dtype"], name=doc["columns_name"])
    return frame


def _check_name(name: object, what: str) -> None:
    if name is not None and not isinstance(name, str):
        raise StoreInputError(f"{what} must be a str or None, got {name!r}")


def _encode_index(index: pd.Index, what: str) -> dict[str, Any]:
    if isinstance(index, pd.RangeIndex):
        _check_name(index.name, f"{what} index name")
        return {"range": [index.start, index.stop, index.step], "name": index.name}
    names = list(index.names)
    for name in names:
        _check_name(name, f"{what} index name")
    dtypes, levels = [], []
    for level in range(index.nlevels):
        values = pd.Series(index.get_level_values(level), copy=False)
        dtype_text, encoded = _encode(values, f"{what} index level {level}")
        dtypes.append(dtype_text)
        levels.append(encoded)
    return {"names": names, "dtypes": dtypes, "levels": levels}


def _decode_index(doc: dict[str, Any]) -> pd.Index:
    if "range" in doc:
        return pd.RangeIndex(*doc["range"], name=doc["name"])
    arrays = [_decode(t, v) for t, v in zip(doc["dtypes"], doc["levels"], strict=True)]
    if len(arrays) == 1:
        return pd.Index(arrays[0], name=doc["names"][0])
    return pd.MultiIndex.from_arrays(arrays, names=doc["names"])


def _encode_float(value: float) -> float | str | None:
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float(value)


def _decode_float(value: float | str | None) -> float:
    return math.nan if value is None else float(value)


def _encode(series: pd.Series, what: str) -> tuple[str, list[Any]]:
    dtype = series.dtype
    dtype_text = str(dtype)
    if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
        return dtype_text, [None if pd.isna(v) else int(v.value) for v in series]
    if isinstance(dtype, pd.CategoricalDtype) or getattr(dtype, "kind", "") not in "biufO":
        raise StoreInputError(
            f"{what} has dtype {dtype_text}, which the store cannot keep exactly; "
            "use bool, int, float, str, a nullable pandas dtype or datetime64"
        )
    if isinstance(dtype, np.dtype):
        if dtype.kind == "f":
            return dtype_text, [_encode_float(v) for v in series.to_numpy().tolist()]
        if dtype.kind == "O":
            bad = [v for v in series if v is not None and not isinstance(v, str)]
            if bad:
                raise StoreInputError(
                    f"{what} (dtype object) holds {bad[0]!r} of type {type(bad[0]).__name__}; "
                    "object columns may hold only str or None "
                    "(for missing text use .astype('string'))"
                )
            return dtype_text, list(series)
        return dtype_text, series.to_numpy().tolist()
    # pandas nullable extension dtypes: Int*, UInt*, Float*, boolean, string
    convert = {"b": bool, "i": int, "u": int, "f": _encode_float, "O": str}[dtype.kind]
    return dtype_text, [None if pd.isna(v) else convert(v) for v in series.astype(object)]


def _decode(dtype_text: str, values: list[Any]) -> Any:
    target = pandas_dtype(dtype_text)
    if isinstance(target, pd.DatetimeTZDtype):
        stamps = pd.to_datetime(values, unit="ns", utc=True)
        return stamps.tz_convert(target.tz).astype(target)
    if pd.api.types.is_datetime64_dtype(target):
        return pd.to_datetime(values, unit="ns").astype(target)
    if pd.api.types.is_timedelta64_dtype(target):
        return pd.to_timedelta(values, unit="ns").astype(target)
    if isinstance(target, np.dtype):
        if target.kind == "f":
            return np.array([_decode_float(v) for v in values], dtype=target)
        return np.array(values, dtype=target)
    if target.kind == "f":
        return pd.array([None if v is None else float(v) for v in values], dtype=target)
    return pd.array(values, dtype=target)
