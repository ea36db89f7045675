///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 25+
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector -Xlint:-incubating
//SOURCES ../lib/shortsmith/core/*.java
//SOURCES ../lib/shortsmith/concurrency/*.java
//SOURCES ../lib/shortsmith/media/*.java
//SOURCES ../lib/shortsmith/video/*.java
//DESCRIPTION Can NVENC really encode here? A real probe encode, classified, and the encoder auto picks.

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import shortsmith.core.Cli;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.video.NvencProbe;

import java.util.concurrent.Callable;

@Command(name = "detect-nvenc", mixinStandardHelpOptions = true,
        description = "Probes h264_nvenc and hevc_nvenc with a real encode (the listing alone proves nothing).")
class detect_nvenc implements Callable<Integer> {
    @Mixin Cli.Common common;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--require", description = "Exit 3 when h264_nvenc cannot encode.")
    boolean require;

    @Option(names = "--fresh", description = "Probe again instead of using the cached result.")
    boolean fresh;

    @Option(names = "--sessions", paramLabel = "N", description = "Also try N simultaneous encodes (the session cap).")
    Integer sessions;

    public Integer call() throws Exception {
        if (sessions != null && (sessions < 1 || sessions > 32)) {
            throw ShortsmithException.usage("--sessions " + sessions + ": allowed 1 to 32");
        }
        var settings = Settings.load();
        var report = NvencProbe.detect(settings, fresh);
        if (sessions != null) report = report.withSessions(NvencProbe.sessions(settings, sessions));
        System.out.println(json ? Json.write(report) : report.toText());
        return require && !report.nvencAvailable() ? ExitCode.NVENC_UNAVAILABLE.code() : 0;
    }

    public static void main(String... args) {
        System.exit(Cli.run(new detect_nvenc(), args));
    }
}
