package shortsmith.concurrency;

import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed number of lanes that run submitted work lowest priority first (ties in submission order),
 * each piece on its own virtual thread. A batch of stories shares one: story 1's narrations all go
 * before story 2's, whatever order their threads arrive in, and no lane idles while work waits.
 * {@link #hold} takes lanes out of service (clips leave cores to a local narration engine) until
 * {@link #restore}.
 *
 * <pre>jshell> var lanes = new PriorityLanes("narration", 1); lanes.submit(2, () -> "b"); lanes.submit(1, () -> "a")</pre>
 */
public final class PriorityLanes {
    private final String name;
    private final int lanes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final PriorityQueue<Waiting> queue = new PriorityQueue<>();
    private final AtomicLong order = new AtomicLong();
    /** The thread of every piece of work not yet finished, waiting or running, for {@link #cancel}. */
    private final java.util.Map<Waiting, Thread> threads = new java.util.concurrent.ConcurrentHashMap<>();
    /** The priorities cancelled: their work waiting now, or submitted later, never takes a lane. */
    private final java.util.List<java.util.function.LongPredicate> cancelled = new java.util.concurrent.CopyOnWriteArrayList<>();
    private int free;

    private record Waiting(long priority, long order) implements Comparable<Waiting> {
        public int compareTo(Waiting o) {
            int c = Long.compare(priority, o.priority);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    public PriorityLanes(String name, int lanes) {
        if (lanes < 1) throw new IllegalArgumentException(name + ": lanes must be at least 1, got " + lanes);
        this.name = name;
        this.lanes = lanes;
        this.free = lanes;
    }

    public int lanes() { return lanes; }

    /** Runs {@code work} when a lane is free and no waiting work has a lower priority; its result when done. */
    public <T> CompletableFuture<T> submit(long priority, Callable<T> work) {
        var done = new CompletableFuture<T>();
        var me = enqueue(priority);
        var thread = Thread.ofVirtual().name(name + "-lane").unstarted(() -> {
            try {
                take(me);
            } catch (InterruptedException e) {
                lock.lock();
                try {
                    queue.remove(me);
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                threads.remove(me);
                done.completeExceptionally(e);
                return;
            }
            try {
                done.complete(work.call());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            } finally {
                threads.remove(me);
                give(1);
            }
        });
        threads.put(me, thread);
        thread.start();
        return done;
    }

    /**
     * Interrupts every piece of work whose priority {@code which} accepts, waiting or running (a
     * cluster worker drops one story's work and goes on with the others); returns how many.
     */
    public int cancel(java.util.function.LongPredicate which) {
        cancelled.add(which);
        // Counted before anything wakes: a waiting piece woken below leaves the map as it ends.
        List<Thread> hit = threads.entrySet().stream().filter(e -> which.test(e.getKey().priority())).map(Map.Entry::getValue).toList();
        lock.lock();
        try {
            // Out of the queue first: a lane freed by an interrupted piece must not go to a waiting piece of the same work.
            queue.removeIf(w -> which.test(w.priority()));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        hit.forEach(Thread::interrupt);
        return hit.size();
    }

    private void take(Waiting me) throws InterruptedException {
        lock.lock();
        try {
            while (free == 0 || queue.peek() != me) {
                if (isCancelled(me.priority())) throw new InterruptedException("cancelled");
                changed.await();
            }
            if (isCancelled(me.priority())) throw new InterruptedException("cancelled");
            queue.poll();
            free--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void give(int n) {
        lock.lock();
        try {
            free += n;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Takes {@code n} lanes out of service as soon as they are free (at once if they are); returns when taken. */
    public void hold(int n) throws InterruptedException {
        for (int i = 0; i < n; i++) take(enqueue(Long.MIN_VALUE));
    }

    private boolean isCancelled(long priority) {
        for (var c : cancelled) if (c.test(priority)) return true;
        return false;
    }

    private Waiting enqueue(long priority) {
        var w = new Waiting(priority, order.incrementAndGet());
        lock.lock();
        try {
            queue.add(w);
        } finally {
            lock.unlock();
        }
        return w;
    }

    /** Puts {@code n} held lanes back into service. */
    public void restore(int n) { give(n); }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "PriorityLanes[" + name + ", " + lanes + " lanes, " + free + " free, " + queue.size() + " waiting]";
        } finally {
            lock.unlock();
        }
    }
}
