package shortsmith.cluster;

import java.util.List;

/**
 * The tables of the cluster, made on first use: db-scheduler's {@code scheduled_tasks} (its
 * PostgreSQL definition, as its README gives it), and shortsmith's own: every story with its state
 * ({@code shortsmith_stories}), and the image submissions counted per service
 * ({@code shortsmith_services}, {@code shortsmith_submissions}).
 */
final class Schema {
    private Schema() {}

    static final String STORIES = "shortsmith_stories", SERVICES = "shortsmith_services", SUBMISSIONS = "shortsmith_submissions";

    private static final List<String> TABLES = List.of("scheduled_tasks", STORIES, SERVICES, SUBMISSIONS);

    private static final List<String> DDL = List.of("""
            create table if not exists scheduled_tasks (
              task_name text not null,
              task_instance text not null,
              task_data bytea,
              execution_time timestamp with time zone not null,
              picked boolean not null,
              picked_by text,
              last_success timestamp with time zone,
              last_failure timestamp with time zone,
              consecutive_failures int,
              last_heartbeat timestamp with time zone,
              version bigint not null,
              priority smallint,
              primary key (task_name, task_instance))""",
            "create index if not exists execution_time_idx on scheduled_tasks (execution_time)",
            "create index if not exists last_heartbeat_idx on scheduled_tasks (last_heartbeat)",
            "create index if not exists priority_execution_time_idx on scheduled_tasks (priority desc, execution_time asc)",
            """
            create table if not exists shortsmith_stories (
              story text primary key,
              state text not null check (state in ('queued', 'running', 'done', 'failed')),
              worker text,
              stage text,
              attempts int not null default 0,
              added timestamp with time zone not null,
              claimed timestamp with time zone,
              started timestamp with time zone,
              finished timestamp with time zone,
              output text,
              error text,
              force boolean not null default false,
              cancel boolean not null default false,
              manifest_sha256 text)""",
            "create table if not exists shortsmith_services (service text primary key)",
            "create table if not exists shortsmith_submissions (id bigserial primary key, service text not null, at timestamp with time zone not null,"
                    + " open boolean not null)",
            "create index if not exists shortsmith_submissions_service_at on shortsmith_submissions (service, at)");

    /** Makes whatever table is missing; two machines starting at once take turns (an advisory lock). */
    static void ensure(Database db) {
        try {
            db.transaction(c -> {
                try (var st = c.prepareStatement("select count(*) from unnest(?::text[]) t where to_regclass(t) is not null")) {
                    st.setArray(1, c.createArrayOf("text", TABLES.toArray()));
                    try (var rs = st.executeQuery()) {
                        rs.next();
                        if (rs.getInt(1) == TABLES.size()) return null;
                    }
                }
                try (var st = c.createStatement()) {
                    st.execute("select pg_advisory_xact_lock(hashtext('shortsmith schema'))");
                    for (String ddl : DDL) st.execute(ddl);
                }
                return null;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new shortsmith.core.ShortsmithException(shortsmith.core.ExitCode.INTERRUPTED, "interrupted", e);
        }
    }
}
