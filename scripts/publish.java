///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 25+
//SOURCES ../lib/shortsmith/core/*.java
//SOURCES ../lib/shortsmith/concurrency/*.java
//SOURCES ../lib/shortsmith/media/*.java
//SOURCES ../lib/shortsmith/providers/*.java
//SOURCES ../lib/shortsmith/publish/*.java
//DESCRIPTION Puts Shorts on YouTube: resumable, never twice, scheduled, disclosed as synthetic, with their word-timed captions.

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import shortsmith.core.Cli;
import shortsmith.core.ExitCode;
import shortsmith.core.Json;
import shortsmith.core.Progress;
import shortsmith.core.Settings;
import shortsmith.core.ShortsmithException;
import shortsmith.core.Story;
import shortsmith.publish.Metadata;
import shortsmith.publish.OAuth;
import shortsmith.publish.Published;
import shortsmith.publish.Publisher;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "publish", mixinStandardHelpOptions = true,
        description = {"Uploads Shorts to YouTube and prints their URLs: a story manifest's Short (its output, else NAME.mp4 beside it) with the",
                "manifest's \"youtube\" metadata, or any video. Private by default, declared as altered or synthetic content, with NAME.srt as its",
                "caption track. Each file is recorded in NAME.youtube.json: publishing it again does nothing; an interrupted upload resumes."})
class publish implements Callable<Integer> {
    @Mixin Cli.Common common;

    @Parameters(paramLabel = "FILE", arity = "0..*", description = "Story manifests (*.json, or - for one on stdin) or videos.")
    List<String> files;

    @Option(names = "--login", description = "Sign in to YouTube (OAuth in the browser) and keep the sign-in for later runs.")
    boolean login;

    @Option(names = "--no-browser", description = "With --login: print the consent address instead of opening a browser.")
    boolean noBrowser;

    @Option(names = "--login-timeout", paramLabel = "SECONDS", defaultValue = "300", description = "How long --login waits for the browser (default: ${DEFAULT-VALUE}).")
    int loginTimeout;

    @Option(names = "--status", description = "Show what is on record for each FILE (with --wait, ask YouTube about processing); upload nothing.")
    boolean status;

    @Option(names = "--json", description = "Print the records as JSON on stdout (instead of one URL a line).")
    boolean json;

    @Option(names = "--title", paramLabel = "TEXT", description = "The title (default: the manifest's youtube.title, else the story's title; at most 100 characters).")
    String title;

    @Option(names = "--description", paramLabel = "TEXT", description = "The description (default: the manifest's, else #Shorts; at most 5000 bytes).")
    String description;

    @Option(names = "--tags", paramLabel = "A,B,…", split = ",", description = "Tags (at most 500 characters in all, as YouTube counts them).")
    List<String> tags;

    @Option(names = "--category", paramLabel = "ID|NAME", description = "A category id (22 = People & Blogs) or one of: education, entertainment, film, gaming, howto, music, news, people, science, …")
    String category;

    @Option(names = "--privacy", paramLabel = "private|unlisted|public", description = "Who can watch (default: the manifest's, else private).")
    String privacy;

    @Option(names = "--at", paramLabel = "ISO-8601", description = "Publish at this time (e.g. 2026-12-10T18:00:00+01:00): the video stays private until then.")
    String at;

    @Option(names = "--every", paramLabel = "1d|12h|P1D", description = "With --at and several files: one publish time after another, this far apart.")
    String every;

    @Option(names = "--made-for-kids", description = "Declare the video made for kids (selfDeclaredMadeForKids).")
    boolean madeForKids;

    @Option(names = "--no-synthetic-disclosure", description = "Do not declare altered or synthetic content (for a Short you narrated and filmed yourself).")
    boolean noSynthetic;

    @Option(names = "--language", paramLabel = "CODE", description = "The language of speech and captions (default: the story's).")
    String language;

    @Option(names = "--no-captions", description = "Do not upload NAME.srt as a caption track.")
    boolean noCaptions;

    @Option(names = "--wait", description = "Wait (at most PROVIDER_DEADLINE) until YouTube has processed each video, and say if it failed or was rejected.")
    boolean waitForProcessing;

    @Option(names = "--force", description = "Upload again even a file already on YouTube, or one changed since: a second video (the first stays).")
    boolean force;

    public Integer call() throws Exception {
        var settings = Settings.load();
        if (login) {
            if (files != null && !files.isEmpty()) throw ShortsmithException.usage("--login signs in only: run publish FILE… afterwards");
            var signIn = OAuth.login(settings, System.getenv(), !noBrowser, Duration.ofSeconds(loginTimeout), System.err::println);
            System.err.println("publish: signed in (client " + signIn.clientId() + "); the sign-in is kept in " + OAuth.tokenFile(System.getenv())
                    + ", readable only by you");
            return ExitCode.OK.code();
        }
        if (files == null || files.isEmpty()) throw ShortsmithException.usage("give the Shorts to publish: story manifests or videos (or --login)");
        Instant first = at == null ? null : Metadata.instant(at, "--at");
        var flags = new Metadata.Flags(title, description, tags, category, privacy == null ? null : privacy.toLowerCase(Locale.ROOT), null,
                madeForKids ? Boolean.TRUE : null, noSynthetic ? Boolean.FALSE : null, language);
        var options = new Publisher.Options(flags, !noCaptions, waitForProcessing, force, first, every == null ? null : duration(every),
                Progress.isTerminal(2));
        var publisher = Publisher.of(settings, System.getenv(), options);
        List<Publisher.Item> items = new ArrayList<>();
        for (String f : files) items.add(item(f));
        var progress = Progress.stderr(List.of());
        if (status) return showStatus(publisher, items, progress);
        // Every Short's metadata is checked before the first byte of any is sent.
        var problems = new ArrayList<ShortsmithException>();
        for (int i = 0; i < items.size(); i++) {
            try {
                publisher.metadata(items.get(i), i);
            } catch (ShortsmithException e) {
                problems.add(e);
            }
        }
        if (!problems.isEmpty()) {
            throw new ShortsmithException(problems.getFirst().exitCode(), String.join("; ", problems.stream().map(Throwable::getMessage).toList()));
        }
        var results = new ArrayList<Publisher.Result>();
        for (int i = 0; i < items.size(); i++) {
            var r = publisher.publish(items.get(i), i, progress);
            results.add(r);
            if (r.failure() != null) System.err.println("publish: " + r.message());
            else if (r.outcome().equals("kept")) System.err.println("publish: " + r.message() + " (nothing sent; --force uploads it again)");
            if (r.failure() == null && !json) System.out.println(r.url());
        }
        long queued = results.stream().filter(r -> r.outcome().equals("queued")).count();
        if (queued > 0) System.err.println("publish: " + queued + " Short(s) queued for the next run: " + publisher.stopped().map(Throwable::getMessage)
                .orElse(results.stream().filter(r -> r.outcome().equals("queued")).findFirst().map(Publisher.Result::message).orElse("")));
        if (json) System.out.println(Json.write(results.stream().map(r -> r.record() == null ? null : r.record().shown()).toList()));
        return results.stream().mapToInt(Publisher.Result::exitCode).filter(c -> c != 0).findFirst().orElse(0);
    }

    private int showStatus(Publisher publisher, List<Publisher.Item> items, Progress progress) throws InterruptedException {
        var shown = new ArrayList<Published>();
        for (var item : items) {
            var rec = publisher.status(item.video(), progress);
            shown.add(rec.map(Published::shown).orElse(null));
            if (json) continue;
            String name = item.video().getFileName().toString();
            if (rec.isEmpty()) {
                System.out.println(name + ": not published");
                continue;
            }
            var p = rec.get();
            var line = new StringBuilder(name + ": " + p.state());
            if (p.isUploaded()) line.append(" ").append(p.url()).append(" at ").append(p.uploadedAt());
            else line.append(" since ").append(p.sessionStarted()).append(" (run publish again to resume)");
            if (!p.sha256().equals(Publisher.sha256(item.video()))) line.append("; the file has changed since");
            if (p.captions() != null) line.append("; captions ").append(p.captions().language()).append(" ").append(p.captions().state());
            if (p.processing() != null) line.append("; YouTube: ").append(p.processing().path("outcome").asText());
            System.out.println(line);
        }
        if (json) System.out.println(Json.write(shown));
        return ExitCode.OK.code();
    }

    /** A manifest (its Short, its youtube object), - (a manifest on stdin), or a video. */
    private static Publisher.Item item(String f) throws java.io.IOException {
        if (f.equals("-")) {
            String text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
            Path here = Path.of("").toAbsolutePath();
            Story story = Story.parse(text, "the manifest on stdin").resolvedAgainst(here);
            if (story.output() == null) throw ShortsmithException.usage("the manifest on stdin has no \"output\": give the Short's file instead");
            return Publisher.Item.ofStory(story, Path.of(story.output()));
        }
        Path p = Path.of(f);
        return f.endsWith(".json") ? Publisher.Item.ofManifest(p) : Publisher.Item.ofVideo(p);
    }

    /** 1d, 12h, 90m, 1w, or ISO-8601 (P1D, PT12H). */
    static Duration duration(String text) {
        String t = text.strip();
        var m = java.util.regex.Pattern.compile("(\\d{1,4})([wdhm])").matcher(t.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "w" -> Duration.ofDays(7 * n);
                case "d" -> Duration.ofDays(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofMinutes(n);
            };
        }
        try {
            if (t.toUpperCase(Locale.ROOT).matches("P\\d+D")) return Duration.ofDays(Long.parseLong(t.substring(1, t.length() - 1)));
            return Duration.parse(t);
        } catch (RuntimeException e) {
            throw ShortsmithException.usage("--every " + text + " is not a gap such as 1d, 12h, 90m, 1w or P1D");
        }
    }

    public static void main(String... args) {
        System.exit(Cli.run(new publish(), args));
    }
}
