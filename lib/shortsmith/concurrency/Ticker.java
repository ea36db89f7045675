package shortsmith.concurrency;

import java.time.Duration;

/** Time as the concurrency helpers see it: the system clock, or a fake one in tests. */
public interface Ticker {
    long nanoTime();

    void sleep(Duration duration) throws InterruptedException;

    static Ticker system() {
        return new Ticker() {
            public long nanoTime() { return System.nanoTime(); }

            public void sleep(Duration d) throws InterruptedException {
                if (d.isPositive()) Thread.sleep(d);
            }

            @Override
            public String toString() { return "Ticker.system()"; }
        };
    }
}
