package shortsmith.concurrency;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * A bounded parallel map on virtual threads: at most {@code maxConcurrency} items run at once.
 * {@link #map} stops at the first failure (cancelling the rest); {@link #each} runs every item and
 * reports each one's outcome, for work where one scene's failure must not stop the others.
 */
public final class Parallel {
    private Parallel() {}

    /** A function that may throw. */
    @FunctionalInterface
    public interface Task<I, O> {
        O apply(I item) throws Exception;
    }

    /** How one item went. */
    public sealed interface Outcome<I, O> {
        I item();

        record Success<I, O>(I item, O value) implements Outcome<I, O> {}

        record Failure<I, O>(I item, Exception error) implements Outcome<I, O> {}
    }

    /** Results in input order; the first failure cancels the others and is thrown. */
    public static <I, O> List<O> map(List<I> items, int maxConcurrency, Task<I, O> task) throws InterruptedException {
        var limit = new Semaphore(Math.max(1, maxConcurrency), true);
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            var completion = new ExecutorCompletionService<O>(executor);
            List<Future<O>> futures = new ArrayList<>();
            for (I item : items) futures.add(completion.submit(() -> limited(limit, task, item)));
            try {
                for (int i = 0; i < items.size(); i++) {
                    Future<O> done = completion.take();
                    try {
                        done.get();
                    } catch (ExecutionException e) {
                        futures.forEach(f -> f.cancel(true));
                        throw rethrow(e.getCause());
                    }
                }
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(true));
                throw e;
            }
            List<O> results = new ArrayList<>();
            for (Future<O> f : futures) results.add(f.resultNow());
            return results;
        }
    }

    /** Every item runs; outcomes in input order. */
    public static <I, O> List<Outcome<I, O>> each(List<I> items, int maxConcurrency, Task<I, O> task) throws InterruptedException {
        var limit = new Semaphore(Math.max(1, maxConcurrency), true);
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Outcome<I, O>>> futures = new ArrayList<>();
            for (I item : items) {
                futures.add(executor.submit(() -> {
                    try {
                        return new Outcome.Success<>(item, limited(limit, task, item));
                    } catch (InterruptedException e) {
                        throw e;
                    } catch (Exception e) {
                        return new Outcome.Failure<>(item, e);
                    }
                }));
            }
            List<Outcome<I, O>> outcomes = new ArrayList<>();
            for (var f : futures) {
                try {
                    outcomes.add(f.get());
                } catch (ExecutionException e) {
                    throw rethrow(e.getCause());
                } catch (InterruptedException e) {
                    futures.forEach(x -> x.cancel(true));
                    throw e;
                }
            }
            return outcomes;
        }
    }

    private static <I, O> O limited(Semaphore limit, Task<I, O> task, I item) throws Exception {
        limit.acquire();
        try {
            return task.apply(item);
        } finally {
            limit.release();
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new CompletionException(t);
    }
}
