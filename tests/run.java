///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 25+
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector -Xlint:-incubating
//JAVA_OPTIONS --enable-native-access=ALL-UNNAMED
//SOURCES ../lib/shortsmith/**/*.java
//SOURCES shortsmith/*.java shortsmith/**/*.java
//DEPS org.junit.jupiter:junit-jupiter:5.13.4
//DEPS org.junit.platform:junit-platform-launcher:1.13.4
//DESCRIPTION Runs every test: unit tests of the lib and end-to-end runs of the scripts through ./jbang.

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.ClassNameFilter;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** ./jbang test [CLASS_PATTERN…] — runs the tests (all, or the classes whose names match). */
class run {
    public static void main(String... args) {
        shortsmith.core.Stderr.restoreFromLauncher();
        var patterns = args.length == 0 ? new String[] {".*Test"} : java.util.Arrays.stream(args).map(a -> ".*" + a + ".*").toArray(String[]::new);
        var request = LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectPackage("shortsmith"))
                .filters(ClassNameFilter.includeClassNamePatterns(patterns))
                // Classes run one after another, except those marked @Execution(CONCURRENT) (the cluster's, which mostly waits).
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "same_thread")
                .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "same_thread")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
                .build();
        var passed = new AtomicInteger();
        var failed = new AtomicInteger();
        var skipped = new AtomicInteger();
        var started = new ConcurrentHashMap<String, Long>();
        var listener = new TestExecutionListener() {
            public void executionStarted(TestIdentifier id) { started.put(id.getUniqueId(), System.nanoTime()); }

            public void executionSkipped(TestIdentifier id, String reason) {
                if (!id.isTest()) return;
                skipped.incrementAndGet();
                System.out.println("  - " + name(id) + " (skipped: " + reason + ")");
            }

            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                long ms = (System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime())) / 1_000_000;
                if (!id.isTest()) {
                    if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                        failed.incrementAndGet();
                        System.out.println("  ✗ " + id.getDisplayName() + ": " + result.getThrowable().map(Throwable::toString).orElse("failed"));
                        result.getThrowable().ifPresent(Throwable::printStackTrace);
                    }
                    return;
                }
                if (result.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                    passed.incrementAndGet();
                    System.out.println("  ✓ " + name(id) + " (" + ms + " ms)");
                } else {
                    failed.incrementAndGet();
                    System.out.println("  ✗ " + name(id) + " (" + ms + " ms)");
                    result.getThrowable().ifPresent(t -> t.printStackTrace(System.out));
                }
                System.out.flush();
            }

            private String name(TestIdentifier id) {
                String parent = id.getParentId().map(p -> p.replaceAll(".*\\[class:shortsmith\\.([^\\]]+)].*", "$1")).orElse("");
                return parent + " › " + id.getDisplayName();
            }
        };
        LauncherFactory.create().execute(request, listener);
        System.out.println();
        System.out.println(passed.get() + " passed, " + failed.get() + " failed, " + skipped.get() + " skipped");
        System.exit(failed.get() == 0 && passed.get() > 0 ? 0 : 1);
    }
}
