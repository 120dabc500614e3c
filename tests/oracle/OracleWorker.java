// Runs inside a fresh class loader (one per yaml file, see ConfigOracle) so that
// DatabaseDescriptor's static state never leaks from one file to the next.
//
// What it does is what CassandraDaemon.activate() -> applyConfig() does on a real
// 5.0 node: DatabaseDescriptor.daemonInitialization(DatabaseDescriptor::loadConfig),
// i.e. YamlConfigurationLoader (found through -Dcassandra.config) followed by
// applyAll() and AuthConfig.applyAuth(); then it touches the few settings that a node
// parses only later in CassandraDaemon.setup() (see check()).  The only difference is that the supplier
// rewrites the directory settings to point below a scratch directory, keeping
// their equalities (two settings that named the same directory still do).
import org.apache.cassandra.config.Config;
import org.apache.cassandra.config.DatabaseDescriptor;
import org.apache.cassandra.db.commitlog.CommitLog;
import org.apache.cassandra.schema.CompactionParams;
import org.apache.cassandra.schema.MemtableParams;

import java.io.File;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

public class OracleWorker
{
    /** @return {verdict, reason, warning lines joined by '\n', stage, root cause} */
    public static String[] check(String yamlPath, String scratchDir)
    {
        synchronized (CollectingAppender.MESSAGES)
        {
            CollectingAppender.MESSAGES.clear(); // shared across files (logback lives in the shared loader)
        }
        String verdict;
        String reason = "", root = "";
        String[] stage = { "load" };
        try
        {
            // 1. load (YamlConfigurationLoader) and 2. apply (DatabaseDescriptor.applyAll + AuthConfig)
            DatabaseDescriptor.daemonInitialization(() -> {
                Config c = DatabaseDescriptor.loadConfig();
                stage[0] = "apply";
                return redirect(c, scratchDir);
            });
            // 3. settings a node only parses later in CassandraDaemon.setup(), before it
            //    serves anything: memtable configurations and default_compaction (at schema
            //    load) and the commitlog compressor (CommitLog.instance.start()).
            stage[0] = "setup";
            Objects.requireNonNull(MemtableParams.DEFAULT);
            Objects.requireNonNull(CompactionParams.DEFAULT);
            new CommitLog.Configuration(DatabaseDescriptor.getCommitLogCompression(),
                                        DatabaseDescriptor.getEncryptionContext(),
                                        DatabaseDescriptor.getCommitLogWriteDiskAccessMode());
            verdict = "accept";
            stage[0] = "";
        }
        catch (Throwable t)
        {
            verdict = "reject";
            // ExceptionInInitializerError from MemtableParams/CompactionParams: report the cause
            Throwable top = t instanceof ExceptionInInitializerError && t.getCause() != null ? t.getCause() : t;
            reason = describe(top);
            Throwable r = top;
            while (r.getCause() != null && r.getCause() != r)
                r = r.getCause();
            root = r == top ? "" : describe1(r);
        }
        String warnings;
        synchronized (CollectingAppender.MESSAGES)
        {
            // each distinct message once (some are logged twice during startup)
            warnings = String.join("\n", new java.util.LinkedHashSet<>(CollectingAppender.MESSAGES));
        }
        return new String[]{ verdict, reason, warnings, stage[0], root };
    }

    private static Config redirect(Config c, String scratch)
    {
        Map<String, String> seen = new HashMap<>();
        c.commitlog_directory = map(seen, c.commitlog_directory, scratch);
        c.saved_caches_directory = map(seen, c.saved_caches_directory, scratch);
        c.hints_directory = map(seen, c.hints_directory, scratch);
        c.cdc_raw_directory = map(seen, c.cdc_raw_directory, scratch);
        c.local_system_data_file_directory = map(seen, c.local_system_data_file_directory, scratch);
        if (c.data_file_directories != null)
        {
            String[] d = c.data_file_directories.clone();
            for (int i = 0; i < d.length; i++)
                d[i] = map(seen, d[i], scratch);
            c.data_file_directories = d;
        }
        return c;
    }

    private static String map(Map<String, String> seen, String dir, String scratch)
    {
        if (dir == null)
            return null;
        return seen.computeIfAbsent(dir, k -> scratch + File.separator + "dir" + seen.size());
    }

    static String describe1(Throwable t)
    {
        return (t.getClass().getName() + (t.getMessage() == null ? "" : ": " + t.getMessage()))
               .replaceAll("\\s*\\R\\s*", " ").replaceAll("([\\w$])@[0-9a-f]{4,8}\\b", "$1").trim();
    }

    /** "Class: message" of the thrown exception and of each cause, on one line. */
    static String describe(Throwable t)
    {
        List<String> parts = new ArrayList<>();
        for (Throwable c = t; c != null && parts.size() < 8; c = c.getCause() == c ? null : c.getCause())
        {
            String m = c.getMessage();
            if (m == null && c instanceof java.lang.reflect.InvocationTargetException)
                continue; // reflection wrapper: say nothing
            parts.add(c.getClass().getName() + (m == null ? "" : ": " + m));
        }
        return String.join(" | caused by: ", parts)
                     .replaceAll("\\s*\\R\\s*", " ")
                     .replaceAll("([\\w$])@[0-9a-f]{4,8}\\b", "$1") // identity hash codes: keep output stable
                     .trim();
    }
}
