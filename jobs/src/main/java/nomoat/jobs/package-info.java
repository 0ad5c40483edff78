/**
 * The Spark entry points and the CLI ({@link nomoat.jobs.Main}, picocli): one command class per stage, each a thin
 * shell that reads config through {@code pipeline.config}, builds the Spark session ({@code Sparks}), reads, maps
 * with {@code pipeline} logic and writes through {@code pipeline.io.CommittedOutput}. The top of the tree: it may use
 * every {@code pipeline} package and Spark; nothing depends on it, and no Spark type appears below it
 * ({@code ArchitectureTest}).
 */
package nomoat.jobs;
