/**
 * Side-by-side measurements of the seed's commands against shortsmith's
 * ({@link shortsmith.benchmark.Benchmark}), run as registered sections ({@link shortsmith.benchmark.BenchmarkRun}),
 * the Short after YouTube's own encode ({@link shortsmith.benchmark.YouTubeEncode}), dead air in the demos
 * ({@link shortsmith.benchmark.DemoPace}), the fixed-time stand-in services the schedule is
 * measured with ({@link shortsmith.benchmark.StandIns}), and the XChart charts
 * ({@link shortsmith.benchmark.Charts}). Nothing else depends on it, so only the benchmark script
 * compiles it and carries XChart.
 *
 * <p>May use: every other package.
 */
package shortsmith.benchmark;
