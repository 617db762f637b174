"""One time rule: user-given times, stored times, bare-date bounds and the written form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from modelctx.cli import main
from modelctx.errors import ValidationError
from modelctx.times import as_written, format_iso, lower_bound, now, parse_user, read_stored, upper_bound

DAY_START = datetime(2024, 5, 1, tzinfo=UTC)
DAY_END = datetime(2024, 5, 1, 23, 59, 59, 999999, tzinfo=UTC)


def test_a_bare_date_is_the_whole_day_for_every_bound() -> None:
    # --since starts the day; --until and --as-of run through its last microsecond.
    assert lower_bound("2024-05-01", "--since") == DAY_START
    assert upper_bound("2024-05-01", "--until") == DAY_END
    assert upper_bound("2024-05-01", "--as-of") == DAY_END
    assert upper_bound("20240501", "--as-of") == DAY_END
    # so since D .. until D holds every moment of D and nothing of the next day
    start, end = lower_bound("2024-05-01", "--since"), upper_bound("2024-05-01", "--until")
    assert start is not None and end is not None
    assert start <= datetime(2024, 5, 1, 23, 59, 59, tzinfo=UTC) <= end
    assert not datetime(2024, 5, 2, tzinfo=UTC) <= end
    # a bare date that is no bound is the start of the day
    assert parse_user("2024-05-01", "reviewed_at") == DAY_START


def test_a_time_is_exact_and_without_zone_is_utc() -> None:
    assert upper_bound("2024-05-01T12:00:00", "--until") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert lower_bound("2024-05-01T12:00:00Z", "--since") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert parse_user("2024-05-01T09:00:00-02:00", "at") == datetime(2024, 5, 1, 11, tzinfo=UTC)
    assert parse_user("2024-05-01T09:00:00-02:00", "at").utcoffset() == timedelta(hours=-2)
    assert lower_bound(None, "--since") is None and upper_bound("", "--until") is None


@pytest.mark.parametrize("name", ["--as-of", "--since", "--until", "as_of"])
def test_a_bad_time_names_the_option_and_gives_an_example(name: str) -> None:
    with pytest.raises(ValidationError, match=rf"^{name}: 'last tuesday' is not an ISO 8601 time "
                                              r"\(e\.g\. 2024-05-01 or 2024-05-01T12:00:00Z\)$"):
        upper_bound("last tuesday", name)


def test_stored_times_are_read_leniently() -> None:
    assert read_stored("2024-05-01T12:00:00Z") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert read_stored("2024-05-01T12:00:00") == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert read_stored("2024-05-01") == DAY_START
    assert read_stored(1714564800) == datetime(2024, 5, 1, 12, tzinfo=UTC)  # epoch seconds
    assert read_stored(1714564800000) == datetime(2024, 5, 1, 12, tzinfo=UTC)  # MLflow's milliseconds
    assert read_stored(datetime(2024, 5, 1, 12)) == datetime(2024, 5, 1, 12, tzinfo=UTC)
    for unreadable in (None, "", "soon", True, [], float("nan")):
        assert read_stored(unreadable) is None


def test_the_written_form_is_utc_microseconds_fixed_width() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert format_iso(datetime(2024, 5, 1, 14, tzinfo=plus_two)) == "2024-05-01T12:00:00.000000+00:00"
    assert format_iso(datetime(2024, 5, 1, 12)) == "2024-05-01T12:00:00.000000+00:00"
    assert len(format_iso(now())) == len("2024-05-01T12:00:00.000000+00:00")
    assert now().tzinfo is UTC


def test_file_fields_keep_the_zone_they_were_written_in() -> None:
    assert as_written("2024-05-03T10:00:00+02:00", "reviewed_at") == "2024-05-03T10:00:00+02:00"
    assert as_written("2024-05-02T09:30:00Z", "reviewed_at") == "2024-05-02T09:30:00+00:00"
    assert as_written("2024-05-02 09:30", "reviewed_at") == "2024-05-02T09:30:00"
    with pytest.raises(ValidationError, match=r"^reviews\.yaml, record 0: 'never' is not an ISO 8601 time"):
        as_written("never", "reviews.yaml, record 0")


def test_cli_time_options_name_themselves(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path}/g.db"
    runner = CliRunner()
    for args, option in ((["show", "run:x", "--as-of", "yesterday"], "--as-of"),
                         (["audit", "model_version:x/1", "--as-of", "yesterday"], "--as-of"),
                         (["search", "x", "--since", "yesterday"], "--since"),
                         (["search", "x", "--until", "yesterday"], "--until")):
        result = runner.invoke(main, ["--store", uri, *args])
        assert result.exit_code == 4, (args, result.output)
        assert f"error: {option}: 'yesterday' is not an ISO 8601 time (e.g. 2024-05-01" in result.stderr, args
