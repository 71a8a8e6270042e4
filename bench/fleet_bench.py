"""Fleet throughput: the same simulated panels metered serially in this process and on a local
Dask cluster (2 worker processes). Prints medians and the speed-up ratio.
Usage: PYTHONPATH=build/release/python /usr/bin/python3 bench/fleet_bench.py [panels] [seconds]"""
import statistics
import sys
import time

import meterdsp.fleet as fleet

panels = int(sys.argv[1]) if len(sys.argv) > 1 else 16
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
jobs = [fleet.Simulated(seed=k, seconds=seconds, currents=46) for k in range(panels)]


def serial():
    for job in jobs:
        fleet.summarize(job)


def dask():
    fleet.run(jobs, n_workers=2, progress=False)


def main():
    from distributed import Client
    state = {}

    def warm():                              # cluster started on first use, after "serial"
        if not state:
            state["cluster"] = fleet._local_cluster(2)
            state["client"] = Client(state["cluster"])
            fleet.run(jobs[:2], scheduler=state["client"], progress=False)
        fleet.run(jobs, scheduler=state["client"], progress=False)

    times = {}
    for name, fn in (("serial", serial), ("dask, 2 workers", dask), ("dask, running", warm)):
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - t0)
        times[name] = statistics.median(runs)
        audio = panels * seconds
        print(f"{name:16s} median {times[name]:6.2f} s for {panels} panels × 46 ch × {seconds:g} s "
              f"({audio / times[name]:7.0f} panel-seconds per second)")
    print(f"speed-up {times['serial'] / times['dask, 2 workers']:.2f}× with cluster start-up, "
          f"{times['serial'] / times['dask, running']:.2f}× on a running cluster (2 cores)")
    state["client"].close()
    state["cluster"].close()


if __name__ == "__main__":   # Dask's worker processes re-import this file
    main()
