package shortsmith.concurrency;

import shortsmith.testing.TestSupport;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

class ConcurrencyTest {

    @Test
    void mapNeverRunsMoreThanTheCapAndKeepsOrder() throws Exception {
        var running = new AtomicInteger();
        var peak = new AtomicInteger();
        List<Integer> items = new ArrayList<>();
        for (int i = 0; i < 40; i++) items.add(i);
        var out = Parallel.map(items, 3, i -> {
            peak.accumulateAndGet(running.incrementAndGet(), Math::max);
            Thread.sleep(5);
            running.decrementAndGet();
            return i * 2;
        });
        assertEquals(3, peak.get());
        for (int i = 0; i < 40; i++) assertEquals(i * 2, out.get(i));
    }

    @Test
    void mapStopsAtTheFirstFailureAndCancelsTheRest() {
        var finished = new AtomicInteger();
        long start = System.nanoTime();
        var e = assertThrows(IllegalStateException.class, () -> Parallel.map(List.of(0, 1, 2, 3, 4, 5), 6, i -> {
            if (i == 0) throw new IllegalStateException("scene 0 broke");
            Thread.sleep(Duration.ofSeconds(30));   // interrupted by the cancel (or never started)
            finished.incrementAndGet();
            return i;
        }));
        assertEquals("scene 0 broke", e.getMessage());
        assertEquals(0, finished.get());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "the others were cancelled, not waited for");
    }

    @Test
    void eachRunsEveryItemAndReportsEachOutcome() throws Exception {
        var outcomes = Parallel.each(List.of(1, 2, 3, 4), 2, i -> {
            if (i % 2 == 0) throw new IOException("no " + i);
            return "ok " + i;
        });
        assertEquals(4, outcomes.size());
        assertInstanceOf(Parallel.Outcome.Success.class, outcomes.get(0));
        assertEquals("no 2", ((Parallel.Outcome.Failure<Integer, String>) outcomes.get(1)).error().getMessage());
        assertEquals("ok 3", ((Parallel.Outcome.Success<Integer, String>) outcomes.get(2)).value());
        assertEquals(4, outcomes.get(3).item());
    }

    @Test
    void rateLimiterAllowsAtMostNStartsInAnyWindow() throws Exception {
        var clock = new TestSupport.FakeTicker();
        var limiter = new RateLimiter(6, Duration.ofSeconds(60), clock);
        List<Long> starts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            limiter.acquire();
            starts.add(clock.nanoTime());
            clock.advance(Duration.ofSeconds(2)); // each submission takes a little time
        }
        for (int i = 0; i + 6 < starts.size(); i++) {
            assertTrue(starts.get(i + 6) - starts.get(i) >= Duration.ofSeconds(60).toNanos(),
                    "7 starts within 60 s at " + i);
        }
        // and it does not wait more than needed: start 7 comes exactly 60 s after start 1
        assertEquals(Duration.ofSeconds(60).toNanos(), starts.get(6) - starts.get(0));
    }

    @Test
    void rateLimiterIsSharedSafelyBetweenThreads() throws Exception {
        var limiter = new RateLimiter(5, Duration.ofMillis(300), Ticker.system());
        var times = java.util.Collections.synchronizedList(new ArrayList<Long>());
        var done = new CountDownLatch(12);
        for (int i = 0; i < 12; i++) {
            Thread.ofVirtual().start(() -> {
                try {
                    limiter.acquire();
                    times.add(System.nanoTime());
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            });
        }
        assertTrue(done.await(10, TimeUnit.SECONDS));
        var sorted = times.stream().sorted().toList();
        for (int i = 0; i + 5 < sorted.size(); i++) {
            assertTrue(sorted.get(i + 5) - sorted.get(i) >= Duration.ofMillis(295).toNanos(), "6 starts within the window");
        }
    }

    /** A failure that says whether it is worth retrying, like an HTTP status. */
    static final class Status extends Exception {
        final int code;
        final Duration retryAfter;

        Status(int code, Duration retryAfter) {
            super("HTTP " + code);
            this.code = code;
            this.retryAfter = retryAfter;
        }
    }

    static Retry.Verdict classify(Exception e) {
        if (e instanceof Status s && (s.code == 429 || s.code >= 500)) return Retry.Verdict.againAfter(s.retryAfter);
        return Retry.Verdict.giveUp();
    }

    @Test
    void retryBacksOffExponentiallyWithJitterAndHonoursTheServersWait() throws Exception {
        var clock = new TestSupport.FakeTicker();
        var retry = Retry.policy().withTicker(clock, new Random(7)).withDelays(Duration.ofSeconds(1), Duration.ofSeconds(30));
        var failures = new ArrayList<Exception>(List.of(new Status(503, null), new Status(503, null), new Status(429, Duration.ofSeconds(20)),
                new Status(500, null)));
        String result = retry.call(() -> {
            if (!failures.isEmpty()) throw failures.removeFirst();
            return "done";
        }, ConcurrencyTest::classify, (n, e, wait) -> {});
        assertEquals("done", result);
        assertEquals(4, clock.sleeps.size());
        assertBetween(clock.sleeps.get(0), 0.75, 1.25);
        assertBetween(clock.sleeps.get(1), 1.5, 2.5);
        assertTrue(clock.sleeps.get(2).compareTo(Duration.ofSeconds(20)) >= 0, "Retry-After of 20 s honoured: " + clock.sleeps.get(2));
        assertBetween(clock.sleeps.get(3), 6.0, 10.0);
    }

    @Test
    void retryNeverRepeatsPermanentFailuresAndStopsAtTheDeadline() {
        var clock = new TestSupport.FakeTicker();
        var calls = new AtomicInteger();
        var retry = Retry.policy().withTicker(clock, new Random(1));
        var e = assertThrows(Status.class, () -> retry.call(() -> {
            calls.incrementAndGet();
            throw new Status(401, null);
        }, ConcurrencyTest::classify, (n, x, w) -> {}));
        assertEquals(401, e.code);
        assertEquals(1, calls.get());

        calls.set(0);
        var deadline = retry.withDeadline(Duration.ofSeconds(10)).withAttempts(100);
        assertThrows(Status.class, () -> deadline.call(() -> {
            calls.incrementAndGet();
            throw new Status(503, null);
        }, ConcurrencyTest::classify, (n, x, w) -> {}));
        assertTrue(clock.nanoTime() <= Duration.ofSeconds(10).toNanos(), "waited past the deadline");
        assertTrue(calls.get() >= 3 && calls.get() <= 5, "calls: " + calls.get());
    }

    @Test
    void retryWaitIsNeverShorterThanTheServerAsked() {
        var retry = Retry.policy().withTicker(new TestSupport.FakeTicker(), new Random(3));
        for (int attempt = 1; attempt < 6; attempt++) {
            assertTrue(retry.waitFor(attempt, Optional.of(Duration.ofSeconds(45))).compareTo(Duration.ofSeconds(45)) >= 0);
        }
    }

    private static void assertBetween(Duration d, double lowSeconds, double highSeconds) {
        double s = d.toNanos() / 1e9;
        assertTrue(s >= lowSeconds && s <= highSeconds, s + " s not in [" + lowSeconds + ", " + highSeconds + "]");
    }

    /**
     * A submission still unanswered counts however old it is: with 1 start a second, a request in
     * flight for 1.5 s keeps the next one waiting until it is answered and a window has passed.
     */
    @Test
    void anOpenPermitCountsWhateverItsAge() throws Exception {
        var limiter = new RateLimiter(1, java.time.Duration.ofMillis(300), Ticker.system());
        long t0 = System.nanoTime();
        var answered = new java.util.concurrent.atomic.AtomicLong();
        Thread first = Thread.ofVirtual().start(() -> {
            try (var permit = limiter.permit()) {
                Thread.sleep(900);                       // in flight for three windows
                answered.set(System.nanoTime());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread.sleep(50);
        try (var second = limiter.permit()) {
            long at = System.nanoTime();
            assertTrue(answered.get() > 0, "the second start waited for the first answer");
            assertTrue((at - answered.get()) / 1e6 >= 280, "and then a whole window: " + (at - answered.get()) / 1e6 + " ms");
            assertTrue((at - t0) / 1e6 >= 1150, "not earlier than the first's answer plus a window");
        }
        first.join();
    }

    @Test
    void cancellingOneStorysWorkInterruptsItWaitingOrRunningAndFreesItsLanes() throws Exception {
        var lanes = new PriorityLanes("clip", 1);
        var started = new CountDownLatch(1);
        // Story 1 (priorities 1_000_000…) holds the one lane; its second piece and story 2's wait behind it.
        var running = lanes.submit(1_000_000, () -> {
            started.countDown();
            Thread.sleep(60_000);
            return "never";
        });
        assertTrue(started.await(10, TimeUnit.SECONDS));
        var waiting = lanes.submit(1_000_001, () -> "never either");
        var other = lanes.submit(2_000_000, () -> "story 2");
        assertEquals(2, lanes.cancel(p -> p >= 1_000_000 && p < 2_000_000));
        var e = assertThrows(java.util.concurrent.ExecutionException.class, () -> running.get(10, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, e.getCause());
        e = assertThrows(java.util.concurrent.ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
        assertInstanceOf(InterruptedException.class, e.getCause());
        assertEquals("story 2", other.get(10, TimeUnit.SECONDS), "the lane goes on with the other story's work");
    }

    /**
     * The clock stepped back an hour after six starts: those starts are real but cannot be dated,
     * so they count as made now, for one window at most, never for the hour. Before, the next start
     * waited the whole step plus a window (here: refused at once, the wait being past the bound).
     */
    @Test
    void aLedgerTimeAheadOfTheClockHoldsForAtMostOneWindow(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var ledger = dir.resolve("images.ledger");
        long now = System.currentTimeMillis();
        java.nio.file.Files.writeString(ledger, ("" + (now + 3_600_000) + "\n").repeat(6));
        var window = new SharedWindow(ledger, 6, Duration.ofMillis(400), Duration.ofSeconds(20));
        var told = new ArrayList<String>();
        long t0 = System.nanoTime();
        window.acquire(told::add);
        double waited = (System.nanoTime() - t0) / 1e6;
        assertTrue(waited >= 350 && waited < 3000, "waited one window, not the hour: " + waited + " ms");
        assertEquals(1, told.size(), "told once why: " + told);
        assertTrue(told.getFirst().matches("6 starts in 400 ms already made on this machine; next in \\d+ ms"), told.getFirst());
        for (String line : java.nio.file.Files.readAllLines(ledger)) {
            assertTrue(Long.parseLong(line) <= System.currentTimeMillis(), "no time ahead of the clock is written back: " + line);
        }
    }

    /**
     * Times that cannot be starts (huge, negative, long ago, years ahead, not numbers) are dropped.
     * Before, a huge time overflowed the wait: the next start slept for ever.
     */
    @Test
    void aLedgerOfImpossibleTimesIsIgnoredAndRewritten(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var ledger = dir.resolve("images.ledger");
        java.nio.file.Files.writeString(ledger, Long.MAX_VALUE + "\n9223372036854775000\n-5\n1\n" + (System.currentTimeMillis() + 400L * 86_400_000)
                + "\nabc\n1e20\n\u0000\u0000\n99999999999999999999999\n");
        var window = new SharedWindow(ledger, 1, Duration.ofMinutes(1), Duration.ofSeconds(5));
        var result = new java.util.concurrent.CompletableFuture<Void>();
        Thread.ofVirtual().start(() -> {
            try {
                window.acquire(why -> result.completeExceptionally(new AssertionError("waited: " + why)));
                result.complete(null);
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        result.get(5, TimeUnit.SECONDS);
        var lines = java.nio.file.Files.readAllLines(ledger);
        assertEquals(1, lines.size(), "only the new start is kept: " + lines);
    }

    /** A ledger's size is not trusted: a 3 GB file (sparse) is neither read whole nor a crash, and is rewritten small. */
    @Test
    void aHugeLedgerIsNotReadWhole(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var ledger = dir.resolve("images.ledger");
        try (var f = new java.io.RandomAccessFile(ledger.toFile(), "rw")) {
            f.write((System.currentTimeMillis() + "\n").getBytes());
            f.setLength(3L << 30);
        }
        var window = new SharedWindow(ledger, 2, Duration.ofMinutes(1), Duration.ofSeconds(5));
        window.acquire(why -> fail("waited: " + why));
        assertTrue(java.nio.file.Files.size(ledger) < 100, "rewritten with the starts only: " + java.nio.file.Files.size(ledger));
        assertEquals(2, java.nio.file.Files.readAllLines(ledger).size(), "the real start in it still counts");
        var third = new java.util.concurrent.atomic.AtomicReference<String>();
        assertThrows(LimitUnavailable.class, () -> new SharedWindow(ledger, 2, Duration.ofMinutes(1), Duration.ofMillis(300)).acquire(third::set));
        assertNotNull(third.get(), "a third start waits, and says so");
    }

    /** A wait past the bound is one line naming the limit, not a Java type. */
    @Test
    void aSharedLimitThatNeverFreesFailsWithinTheBoundInOneLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var ledger = dir.resolve("images.ledger");
        var first = new SharedWindow(ledger, 1, Duration.ofSeconds(60), Duration.ofSeconds(1));
        first.acquire(why -> {});
        long t0 = System.nanoTime();
        var e = assertThrows(LimitUnavailable.class, () -> first.acquire(why -> {}));
        double took = (System.nanoTime() - t0) / 1e9;
        assertTrue(took >= 0.9 && took < 3, "gave up at the bound: " + took + " s");
        assertEquals("1 start in 60 s was taken by shortsmith runs on this machine, and none freed within 1 s", e.toString());
    }

    /**
     * A start counts in the shared ledger from when it was answered, as it does here: the service
     * counted it when it arrived. Before, another process could start a window after the first was
     * allowed, though the service had seen it much later (measured: 12 submissions in 58 s at a
     * service limited to 6 a minute, from two cold JVMs).
     */
    @Test
    void aSharedStartCountsFromItsAnswer(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var ledger = dir.resolve("images.ledger");
        var mine = new RateLimiter(1, Duration.ofMillis(500), Ticker.system()).sharedThrough(new SharedWindow(ledger, 1, Duration.ofMillis(500), Duration.ofSeconds(10)));
        long t0 = System.nanoTime();
        try (var permit = mine.permit()) {
            Thread.sleep(400);                        // the request takes a while to reach the service and be answered
        }
        long answered = System.nanoTime();
        var otherProcess = new SharedWindow(ledger, 1, Duration.ofMillis(500), Duration.ofSeconds(10));
        otherProcess.acquire(why -> {});
        double sinceAnswer = (System.nanoTime() - answered) / 1e6;
        assertTrue(sinceAnswer >= 450, "the other start waited a window from the answer: " + sinceAnswer + " ms (" + (System.nanoTime() - t0) / 1e6 + " ms from the first)");
    }
}
