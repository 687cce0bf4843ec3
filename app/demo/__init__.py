"""The demo store (./run.sh --demo) and the synthetic data it and the benchmarks use."""
