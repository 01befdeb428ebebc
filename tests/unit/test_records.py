"""GPU benchmark records: schema validation with precise messages, round trip, and the chapter's derived numbers.

The fixture record under tests/fixtures/gpu_records/ is TEST DATA (invented round numbers), never a measurement.
"""

import copy
import json
import os
from pathlib import Path

import pytest

from scratchnn.bench import records

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gpu_records"
FIXTURE = FIXTURES / "TEST-DATA_not-a-measurement.json"


@pytest.fixture
def record():
    return json.loads(FIXTURE.read_text())


def _write(folder, name, record):
    path = folder / name
    path.write_text(json.dumps(record))
    return path


def test_fixture_is_valid_and_marked_as_test_data(record):
    assert "TEST DATA" in record["comment"]
    assert records.load_record(FIXTURE) == record


def test_save_then_load_round_trips(tmp_path, record):
    path = records.save_record(record, tmp_path / "new")
    assert path.name == "2000-01-01T00-00-00Z_test-data-gpu-not-a-measurement.json"
    assert records.load_record(path) == record
    assert [loaded.path for loaded in records.load_records(tmp_path / "new")] == [path]
    assert not list((tmp_path / "new").glob("*.partial"))


def test_missing_folder_holds_no_records(tmp_path):
    assert records.load_records(tmp_path / "absent") == []
    assert records.has_dgx_spark_record(tmp_path / "absent") is False


def _broken(record, edit):
    record = copy.deepcopy(record)
    edit(record)
    return record


@pytest.mark.parametrize("edit, message", [
    (lambda r: r["environment"].pop("git_commit"), r"record\.environment: 'git_commit' is a required property"),
    (lambda r: r["series"][0]["results"][0].pop("samples_per_s"),
     r"record\.series\[0\]\.results\[0\]: 'samples_per_s' is a required property"),
    (lambda r: r["series"][0]["results"][1].update(seconds_per_epoch="fast"),
     r"record\.series\[0\]\.results\[1\]\.seconds_per_epoch: 'fast' is not of type 'number'"),
    (lambda r: r["series"][1]["results"][0].update(seconds_per_epoch=-0.5),
     r"record\.series\[1\]\.results\[0\]\.seconds_per_epoch: -0\.5 is less than or equal to the minimum of 0"),
    (lambda r: r["series"][0]["results"][0]["epoch_seconds"][1].__setitem__(0, 0),
     r"epoch_seconds\[1\]\[0\]: 0 is less than or equal to the minimum of 0"),
    (lambda r: r["series"][0]["results"][0].update(final_test_accuracy=97.5),
     r"final_test_accuracy: 97\.5 is greater than the maximum of 1"),
    (lambda r: r["series"][1]["results"][0].update(time_to_target_seconds=-1),
     r"results\[0\]\.time_to_target_seconds: -1 is less than or equal to the minimum of 0"),
    (lambda r: r["series"][0].update(device="tpu"), r"record\.series\[0\]\.device: 'tpu' is not one of"),
    (lambda r: r["environment"]["cuda"].update(compute_capability="twelve"),
     r"compute_capability: 'twelve' does not match"),
    (lambda r: r.update(extra=1), r"record: Additional properties are not allowed \('extra' was unexpected\)"),
    (lambda r: r["series"][1]["results"][-1].pop("error"), r"results\[5\]: 'error' is a required property"),
    (lambda r: r.update(schema_version=0), r"record\.schema_version: 1 was expected"),
    # Odd types: JSON Schema counts 64.0 as an integer; the book would show "64.0" and choose a float batch size.
    (lambda r: r["series"][0]["results"][0].update(batch_size=64.0),
     r"record\.series\[0\]\.results\[0\]\.batch_size: 64\.0 is not of type 'integer'"),
    (lambda r: r["config"].update(repeats=2.0), r"record\.config\.repeats: 2\.0 is not of type 'integer'"),
    (lambda r: r.update(schema_version=1.0), r"record\.schema_version: 1\.0 is not of type 'integer'"),
    (lambda r: r["series"][0]["results"][0].update(batch_size=True), r"batch_size: True is not of type 'integer'"),
])
def test_schema_violations_name_the_file_and_the_field(tmp_path, record, edit, message):
    path = _write(tmp_path, "bad.json", _broken(record, edit))
    with pytest.raises(records.RecordError, match=rf"^{path}: invalid GPU benchmark record: .*{message}"):
        records.load_record(path)


@pytest.mark.parametrize("edit, message", [
    (lambda r: r["series"].append(copy.deepcopy(r["series"][0])), r"a second cpu float32 series"),
    (lambda r: r["environment"].update(cuda=None), r"series\[1\]: a cuda series but environment\.cuda is null"),
    (lambda r: r["series"][0]["results"].append(copy.deepcopy(r["series"][0]["results"][0])),
     r"batch sizes repeat: \[64, 128, 256, 512, 1024, 2048, 64\]"),
    (lambda r: r["series"][0]["results"][0]["epoch_seconds"].pop(),
     r"epoch_seconds: expected one list per repeat \(2\), got 1"),
    (lambda r: r["series"][0].update(peak_memory_kind="cuda_max_memory_allocated"),
     r"peak_memory_kind: expected 'process_peak_rss' for a cpu series"),
    (lambda r: r["series"][0]["results"][0].update(epochs_to_target=None),
     r"time_to_target_seconds and epochs_to_target must both be null or both set"),
])
def test_inconsistent_records_are_rejected(record, edit, message):
    with pytest.raises(records.RecordError, match=message):
        records.validate_record(_broken(record, edit), source="x.json")


def test_not_json_and_newer_schema_are_named(tmp_path, record):
    path = tmp_path / "truncated.json"
    path.write_text(FIXTURE.read_text()[:100])
    with pytest.raises(records.RecordError, match=rf"^{path}: not valid JSON: .*line"):
        records.load_record(path)
    path = _write(tmp_path, "future.json", dict(record, schema_version=2))
    with pytest.raises(records.RecordError, match=r"schema_version 2 is newer than this scratchnn reads \(1\)"):
        records.load_record(path)
    with pytest.raises(records.RecordError, match=r"expected a JSON object at the top level, got list"):
        records.load_record(_write(tmp_path, "list.json", [record]))


def test_one_malformed_file_fails_the_whole_folder(tmp_path, record):
    _write(tmp_path, "a.json", record)
    _write(tmp_path, "b.json", _broken(record, lambda r: r.pop("series")))
    with pytest.raises(records.RecordError, match=r"b\.json: invalid GPU benchmark record: record: 'series'"):
        records.load_records(tmp_path)


def test_throughput_knee_is_the_smallest_batch_within_tolerance_of_peak(record):
    gpu = records.find_series(record, "cuda")
    # Peak 400,000 samples/s at 1024; 512 runs 390,000 (within 5%), 256 runs 300,000 (not).
    assert records.throughput_knee(gpu) == 512
    assert records.throughput_knee(gpu, tolerance=0.0) == 1024
    assert records.throughput_knee(gpu, tolerance=0.25) == 256
    # The CPU plateaus at 50,000 from 1024 on: the smallest batch on the plateau wins.
    assert records.throughput_knee(records.find_series(record, "cpu"), tolerance=0.0) == 1024
    assert records.throughput_knee({"results": [{"batch_size": 64, "status": "oom", "error": "x"}]}) is None
    with pytest.raises(ValueError, match=r"tolerance in \[0, 1\), got 1\.5"):
        records.throughput_knee(gpu, tolerance=1.5)


def test_speedups_pair_batch_sizes_that_ran_on_both_devices(record):
    table = records.speedups(record)
    assert [row[0] for row in table] == [64, 128, 256, 512, 1024]  # 2048 ran out of memory on the GPU
    assert table[0][3] == pytest.approx(5.0)  # 100,000 / 20,000 samples/s
    assert table[-1][3] == pytest.approx(8.0)
    assert records.speedups(record, "bf16-autocast")[-1][3] == pytest.approx(16.0)
    cpu_only = _broken(record, lambda r: r.__setitem__("series", r["series"][:1]))
    assert records.speedups(cpu_only) == []


def test_comparison_and_series_rows(record):
    rows = records.comparison_rows(record)
    assert rows[0] == ["64", "3 s", "0.6 s", "5.0×", "100,000", "5.0×"]
    assert rows[-1][3] == "8.0×" and rows[-1][5] == "16.0×"
    gpu_rows = records.series_rows(records.find_series(record, "cuda"))
    assert gpu_rows[-1] == ["2048", "out of memory", "—", "—", "—", "—"]
    assert gpu_rows[0][3] == "1.2 s" and gpu_rows[0][4] == "97.50%" and gpu_rows[0][5] == "300 MiB"
    assert gpu_rows[3][3] == "—"  # target accuracy never reached at batch 512
    table = records.markdown_table(records.COMPARISON_HEADERS, rows)
    assert table.splitlines()[1] == "|---|---|---|---|---|---|" and len(table.splitlines()) == 7


def test_dgx_spark_detection_needs_a_gb10_and_both_devices(tmp_path, record):
    assert records.is_dgx_spark_record(record) is False  # the fixture's GPU is not a GB10
    spark = _broken(record, lambda r: r["environment"]["cuda"].update(device_name="NVIDIA GB10"))
    assert records.is_dgx_spark_record(spark) is True
    gpu_only = _broken(spark, lambda r: r.__setitem__("series", r["series"][1:]))
    assert records.is_dgx_spark_record(gpu_only) is False
    _write(tmp_path, "other.json", record)
    assert records.has_dgx_spark_record(tmp_path) is False
    _write(tmp_path, "spark.json", spark)
    assert records.has_dgx_spark_record(tmp_path) is True


def test_status_markdown_says_once_that_no_dgx_spark_record_is_committed(tmp_path, record):
    empty = records.records_status_markdown([])
    assert empty.startswith("> **No DGX Spark record has been committed yet**")
    assert "never measurements" in empty and empty.count("No DGX Spark record") == 1
    assert "{" not in empty and ":::" not in empty  # plain Markdown: Colab and Jupyter render it too
    _write(tmp_path, "r.json", record)
    text = records.records_status_markdown(records.load_records(tmp_path))
    # A record from another GPU is listed, and the page still says no DGX Spark record is committed.
    assert "`r.json`: TEST-DATA GPU (not a measurement), 2000-01-01" in text
    assert "No DGX Spark record has been committed yet" in text and "(DGX Spark)" not in text
    spark = json.loads(json.dumps(record))
    spark["environment"]["cuda"]["device_name"] = "NVIDIA GB10 (TEST-DATA)"
    _write(tmp_path, "r.json", spark)
    text = records.records_status_markdown(records.load_records(tmp_path))
    assert "No DGX Spark record" not in text and "(DGX Spark)" in text


def test_figures_show_each_series(record):
    loaded = [records.LoadedRecord(FIXTURE, record)]
    fig = records.plot_speedup(loaded)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["TEST-DATA GPU (not a measurement), 2000-01-01 (float32)",
                      "TEST-DATA GPU (not a measurement), 2000-01-01 (bf16-autocast)", "no speedup"]
    fig = records.plot_throughput([("GPU", records.find_series(record, "cuda"))])
    lines = fig.axes[0].get_lines()
    assert list(lines[0].get_xdata()) == [64, 128, 256, 512, 1024]
    assert lines[1].get_label() == "GPU: out of memory" and list(lines[1].get_xdata()) == [2048]


def test_the_folder_is_always_passed_in():
    with pytest.raises(TypeError):
        records.load_records()  # no default that would reach into a checkout


def test_a_fifo_named_json_is_skipped_without_blocking(tmp_path, record):
    # Before: load_records opened it and waited forever for a writer.
    _write(tmp_path, "a.json", record)
    os.mkfifo(tmp_path / "pipe.json")
    with pytest.warns(records.RecordWarning, match=r"pipe\.json: a FIFO \(named pipe\), not a record file; skipped"):
        loaded = records.load_records(tmp_path)
    assert [item.path.name for item in loaded] == ["a.json"]
    with pytest.raises(records.RecordError, match=r"pipe\.json: a FIFO \(named pipe\), not a record file"):
        records.load_record(tmp_path / "pipe.json")


def test_a_folder_named_json_is_skipped_with_a_message(tmp_path, record):
    (tmp_path / "x.json").mkdir()  # before: a raw IsADirectoryError
    with pytest.warns(records.RecordWarning, match=r"x\.json: a folder, not a record file; skipped"):
        assert records.load_records(tmp_path) == []


def test_a_dangling_symlink_is_a_clear_record_error(tmp_path):
    (tmp_path / "gone.json").symlink_to(tmp_path / "moved-away.json")  # before: a raw FileNotFoundError
    with pytest.raises(records.RecordError, match=r"gone\.json: a symbolic link to .*moved-away\.json, which does "
                                                  r"not exist"):
        records.load_records(tmp_path)


def test_save_record_into_a_file_or_onto_a_full_disk_leaves_nothing(tmp_path, record, monkeypatch):
    (tmp_path / "a-file").write_text("mine")
    with pytest.raises(NotADirectoryError, match=r"a-file is a file, not a folder for records"):
        records.save_record(record, tmp_path / "a-file")  # before: a raw FileExistsError from mkdir

    def full_disk(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full_disk)
    with pytest.raises(OSError, match="No space left"):
        records.save_record(record, tmp_path / "new")
    assert list((tmp_path / "new").iterdir()) == []
