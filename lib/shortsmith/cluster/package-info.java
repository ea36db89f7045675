/**
 * Many machines: a story queue on PostgreSQL with db-scheduler. {@link shortsmith.cluster.StoryQueue}
 * adds, lists, retries and cancels stories; {@link shortsmith.cluster.Worker} takes them and makes
 * each with today's pipeline on its machine; {@link shortsmith.cluster.DatabaseLedger} counts a paid
 * service's submissions for every machine together; {@link shortsmith.cluster.Database} is the
 * connection to it all, and {@link shortsmith.cluster.LocalPostgres} a throwaway server for tests,
 * the benchmark and trying it on one machine. Only the queue's scripts (and the tests and the
 * benchmark) compile it, and carry db-scheduler and the PostgreSQL driver.
 *
 * <p>May use: core, concurrency, media, pipeline.
 */
package shortsmith.cluster;
