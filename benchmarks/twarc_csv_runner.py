"""Run inside benchmarks/.venvs/twarc-csv: parse twarc2 user pages with twarc-csv's
DataFrameConverter (batches of 100 lines, as its CLI does) and print seconds and peak MB."""

import json
import resource
import sys
import time

import pandas as pd
from twarc_csv import DataFrameConverter


def main(path: str) -> None:
    start = time.perf_counter()
    converter = DataFrameConverter(input_data_type="users", allow_duplicates=True)
    frames, batch = [], []
    with open(path) as fh:
        for line in fh:
            batch.append(json.loads(line))
            if len(batch) == 100:
                frames.append(converter.process(batch))
                batch = []
    if batch:
        frames.append(converter.process(batch))
    df = pd.concat(frames, ignore_index=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with open("/proc/self/status") as fh:  # VmHWM: not inherited from the parent process
        peak = next((int(x.split()[1]) / 1024 for x in fh if x.startswith("VmHWM:")), peak)
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "rows": len(df)}))


if __name__ == "__main__":
    main(sys.argv[1])
