/**
 * Benchmarks run by {@code nomoat bench}: {@link nomoat.pipeline.bench.EngineBench} (one optimiser step against the
 * PyTorch peer, each measurement in its own JVM), {@code TrainStepBench}, and the measuring helpers (SGEMM peak,
 * JIT settling, peak RSS from {@code /proc}, CPU share, step profiles). Numbers they produce go to the README, dated.
 * May depend on any package of {@code pipeline}; nothing in {@code pipeline} depends on it.
 */
package nomoat.pipeline.bench;
