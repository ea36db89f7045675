package shortsmith.media;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time this process has used, its own threads and the child processes it has waited for
 * (ffmpeg, espeak-ng), in seconds. The difference over a run is the CPU work the run did: with the
 * number of cores, a lower bound on how fast the machine could have done it.
 */
public final class CpuTime {
    private CpuTime() {}

    /** Clock ticks per second of /proc's times (USER_HZ; 100 on Linux). */
    private static final double TICKS = 100;

    public static double now() { return own() + children(); }

    static double own() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() / 1e9 : 0;
    }

    /** cutime + cstime of /proc/self/stat: the CPU of children that have ended and been waited for. */
    static double children() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / TICKS;   // fields 16 and 17, counted from after the name
        } catch (Exception e) {
            return 0;   // not Linux: the bound leaves children out
        }
    }
}
