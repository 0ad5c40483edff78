/**
 * The benchmarks run by {@code bin/nomoat bench} ({@link nomoat.bench.BenchCommand}): {@code engine}
 * ({@link nomoat.bench.EngineBench}, one optimiser step against the PyTorch peer, each measurement in its own JVM,
 * through {@code TrainStepBench}), {@code prepare} ({@code PrepareBench}, on local Spark) and {@code aggregate}
 * ({@code AggregationBench}, Spark's reduce vs treeAggregate), and their measuring helpers (SGEMM peak, JIT settling,
 * peak RSS from {@code /proc}, CPU share, step profiles, random models). Numbers they produce go to the README, dated.
 * This is the {@code bench} module, outside {@code jobs/target/nomoat-app.jar} (the jar every Spark executor loads):
 * it may use anything in {@code pipeline} and {@code jobs}; nothing there uses it ({@code ArchitectureTest},
 * {@code AppJarTest}).
 */
package nomoat.bench;
