"""The same extraction on Ray Data, for corpora that outgrow one machine.

Files are listed by the driver (:func:`~audiofeat.pipeline.run.discover`) into a Ray dataset, features are
computed by :func:`~audiofeat.pipeline.compute.process_file` inside ``map_batches`` (GPU actors when the
spec's ``device`` is CUDA), and the rows are written by Ray's ``write_parquet`` into the output folder, with the
same columns and values as the local engine (``read_dataset`` gives equal frames). Failed files come back to
the driver as records and go to ``OUT/_audiofeat/errors.jsonl`` and the summary.

On an existing cluster: ``ray.init(address="auto")`` happens when ``address='auto'`` (or the cluster's
``ray://host:10001``) is given; the inputs and the output folder must be paths every node can read and write
(a shared filesystem), or the output an URI that Ray's parquet writer supports.
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable

import numpy as np

from .._checks import require
from ..errors import ParameterError
from .compute import process_file, rows_of, compute_features
from .sinks import _atomic_write, _json_bytes, rows_to_table, META_DIR
from .spec import ExtractorSpec

__all__ = ["run_ray"]


def _schema(spec: ExtractorSpec, channels: int = 1):
    """The output schema of ``spec`` (made from one second of noise: it depends on the spec alone, and with
    ``mono=False`` on the files' channel count, which :func:`run_ray` checks is one for the whole run)."""
    sr = spec.sr or 22050
    y = np.random.default_rng(0).standard_normal(sr).astype(np.float32) * 0.1
    if not spec.mono:
        y = np.repeat(y[None], channels, axis=0)
    row = {"path": "", "size": 0, "mtime": 0.0, "sr": sr}
    if spec.segment is not None:
        row.update(segment=0, start=0.0, end=1.0)
    row["duration"] = 1.0
    row.update(rows_of(compute_features(y, sr, spec, []), spec))  # a scalar the 1 s is too short for: NaN
    return rows_to_table([row], spec).schema


def _batch(batch: dict, spec: dict, channels: int = 1) -> Any:
    import pyarrow as pa

    spec_obj = ExtractorSpec.from_dict(spec)
    schema = _schema(spec_obj, channels)
    rows, errors = [], []
    for path in batch["path"]:
        r = process_file(str(path), spec_obj)
        rows.extend(r.rows)
        if r.error:
            errors.append({"level": "error", **r.error})
        errors.extend({"level": "warning", **w} for w in r.warnings)
        errors.append({"level": "done", "path": r.path, "seconds": r.seconds, "rows": len(r.rows), "ok": r.ok})
    table = rows_to_table(rows, spec_obj).cast(schema) if rows else schema.empty_table()
    # one extra column carries this batch's records (on its first row, or on a row of its own)
    records = json.dumps(errors)
    if table.num_rows == 0:
        empty = {name: [None] for name in schema.names}
        table = pa.Table.from_pydict(empty, schema=schema)
        marker = [True]
    else:
        marker = [False] * table.num_rows
    column = [records] + [None] * (table.num_rows - 1)
    table = table.append_column("_records", pa.array(column, type=pa.string()))
    return table.append_column("_placeholder", pa.array(marker, type=pa.bool_()))


def _real_rows(table: Any) -> Any:
    import pyarrow.compute as pc

    return table.filter(pc.invert(table["_placeholder"])).drop_columns(["_records", "_placeholder"])


def run_ray(paths: list[str], spec: ExtractorSpec, out: str, *, format: str = "parquet", overwrite: bool = False,
            address: str | None = None, on_start: Callable | None = None, batch_size: int = 8) -> Any:
    """Run the extraction on Ray Data; see the module docstring. Returns a :class:`Summary`."""
    from .run import Summary

    ray = require("ray", "engine='ray'", "audiofeat[ray]")
    require("ray.data", "engine='ray'", "audiofeat[ray]")
    if format != "parquet":
        raise ParameterError("engine='ray' writes parquet (Ray's writer); use the local engine for npz")
    from .sinks import ParquetSink

    channels = _channel_count(paths) if not spec.mono else 1
    sink = ParquetSink(out, spec, resume=False, overwrite=overwrite)  # checks the folder, stamps the spec
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, ignore_reinit_error=True, include_dashboard=False, log_to_driver=False,
                 logging_level="warning")
    try:
        return _run(ray, paths, spec, sink, on_start, batch_size, channels)
    finally:
        if started:  # a cluster we connected to (or a local one we started) is let go
            ray.shutdown()


def _channel_count(paths: list[str]) -> int:
    """The one channel count of the readable inputs (``mono=False``: Ray writes one schema, and a file's
    columns depend on its channels); ParameterError when they differ. Unreadable files are left to their
    batch, which reports them."""
    from .. import io as afio

    counts = set()
    for p in paths:
        try:
            counts.add(int(afio.info(p).channels))
        except Exception:  # noqa: BLE001 -- missing, not audio, ...: reported by the run like any bad input
            continue
    if len(counts) > 1:
        raise ParameterError(f"engine='ray' with mono=False needs every file to have the same number of channels "
                             f"(Ray writes one schema, and each channel has its own columns); these inputs have "
                             f"{sorted(counts)} channels: use mono=True, the local engine (each file keeps its "
                             f"columns, missing ones are null), or one run per channel count")
    return counts.pop() if counts else 1


def _run(ray: Any, paths: list[str], spec: ExtractorSpec, sink: Any, on_start: Callable | None,
         batch_size: int, channels: int = 1) -> Any:
    from .run import Summary

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    summary = Summary(files_total=len(paths), out=sink.out)
    if on_start is not None:
        on_start(len(paths), 0)
    if not paths:
        sink.close()
        return summary
    resources: dict[str, Any] = {}
    if spec.device and spec.device.startswith("cuda"):
        resources = {"num_gpus": 1}
    ds = ray.data.from_items([{"path": p} for p in paths])
    ds = ds.map_batches(_batch, fn_kwargs={"spec": spec.to_dict(), "channels": channels}, batch_size=batch_size,
                        batch_format="pyarrow", **resources).materialize()
    records = [json.loads(r["_records"]) for r in ds.select_columns(["_records"]).take_all()
               if r["_records"] is not None]
    rows = ds.map_batches(_real_rows, batch_format="pyarrow")
    if rows.count():
        rows.write_parquet(sink.out)
    problems = []
    for batch_records in records:
        for rec in batch_records:
            if rec["level"] == "done":
                summary.files_done += rec["ok"]
                summary.rows += rec["rows"]
                summary.audio_seconds += rec["seconds"]
            else:
                problems.append(rec)
                if rec["level"] == "error":
                    summary.files_failed += 1
                    summary.failed_by_reason[rec["reason"]] = summary.failed_by_reason.get(rec["reason"], 0) + 1
                else:
                    summary.truncated_warned += rec.get("reason") == "truncated"
    summary.errors = problems
    summary.dataset_problems = problems
    payload = "".join(json.dumps(p, sort_keys=True) + "\n" for p in problems).encode()
    _atomic_write(os.path.join(sink.out, META_DIR, "errors.jsonl"), lambda f: f.write(payload))
    manifest = {"engine": "ray", "files": len(paths), "failed": summary.files_failed}
    _atomic_write(os.path.join(sink.out, META_DIR, "ray-run.json"), lambda f: f.write(_json_bytes(manifest)))
    sink._unlock()
    return summary
