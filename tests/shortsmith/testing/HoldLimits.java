package shortsmith.testing;

import shortsmith.concurrency.SharedWindow;
import shortsmith.concurrency.SlotLeases;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A second process for the cross-process limit tests: {@code slot DIR HOLD_MS TIMES} takes an
 * NVENC-session slot (one slot) TIMES times, holding each HOLD_MS; {@code window LEDGER PERMITS
 * WINDOW_MS TIMES} makes TIMES starts under the shared window. Prints {@code start END_MILLIS…} lines
 * (wall clock) for the test to compare; {@code cache} prints where this process keeps its cache.
 */
public final class HoldLimits {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "slot" -> {
                var leases = new SlotLeases(Path.of(args[1]), "nvenc-session", 1, Duration.ofMinutes(1));
                for (int i = 0; i < Integer.parseInt(args[3]); i++) {
                    try (var lease = leases.acquire(w -> {})) {
                        long start = System.currentTimeMillis();
                        Thread.sleep(Long.parseLong(args[2]));
                        System.out.println("held " + start + " " + System.currentTimeMillis());
                    }
                }
            }
            case "window" -> {
                var window = new SharedWindow(Path.of(args[1]), Integer.parseInt(args[2]), Duration.ofMillis(Long.parseLong(args[3])), Duration.ofMinutes(1));
                for (int i = 0; i < Integer.parseInt(args[4]); i++) {
                    window.acquire(w -> {});
                    System.out.println("start " + System.currentTimeMillis());
                }
            }
            case "cache" -> System.out.println(shortsmith.core.Home.cache());
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.flush();
    }
}
