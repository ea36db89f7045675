/**
 * Side-by-side measurements of the seed's commands against shortsmith's
 * ({@link shortsmith.benchmark.Benchmark}), the fixed-time stand-in services the schedule is
 * measured with ({@link shortsmith.benchmark.StandIns}), and the XChart charts
 * ({@link shortsmith.benchmark.Charts}). Nothing else depends on it, so only the benchmark script
 * compiles it and carries XChart.
 *
 * <p>May use: every other package.
 */
package shortsmith.benchmark;
