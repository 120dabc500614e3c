// casstune oracle: asks the real Cassandra 5.0 configuration code (and the real JDK)
// whether a config file would be accepted at startup.  See README.md.
//
//   java -cp CLASSES ConfigOracle yaml --lib LIBDIR --classes CLASSES --conf CONFDIR
//        [--work DIR] [--timeout SECONDS] FILE...
//   java -cp CLASSES ConfigOracle jvm [--java JAVA] [--timeout SECONDS] FILE...
//
// Prints one JSON object per FILE on stdout, in argument order.
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

public class ConfigOracle
{
    public static void main(String[] args) throws Exception
    {
        if (args.length == 0)
            usage();
        String mode = args[0];
        String lib = null, classes = null, conf = null, work = null, java = null;
        int timeout = 60;
        List<String> files = new ArrayList<>();
        for (int i = 1; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--lib": lib = args[++i]; break;
                case "--classes": classes = args[++i]; break;
                case "--conf": conf = args[++i]; break;
                case "--work": work = args[++i]; break;
                case "--java": java = args[++i]; break;
                case "--timeout": timeout = Integer.parseInt(args[++i]); break;
                default: files.add(args[i]);
            }
        }
        int rc;
        if (mode.equals("yaml"))
            rc = yaml(lib, classes, conf, work, timeout, files);
        else if (mode.equals("jvm"))
            rc = jvm(java != null ? java : Paths.get(System.getProperty("java.home"), "bin", "java").toString(), timeout, files);
        else
            rc = usage();
        System.out.flush();
        // Cassandra may leave non-daemon threads behind in the per-file class loaders.
        System.exit(rc);
    }

    private static int usage()
    {
        System.err.println("usage: ConfigOracle yaml --lib DIR --classes DIR --conf DIR [--work DIR] [--timeout S] FILE...\n" +
                           "       ConfigOracle jvm [--java PATH] [--timeout S] FILE...");
        System.exit(2);
        return 2;
    }

    // ------------------------------------------------------------------ yaml

    private static int yaml(String lib, String classes, String conf, String work, int timeout, List<String> files) throws Exception
    {
        if (lib == null || classes == null || conf == null)
            usage();
        // Two class-loader levels: the third-party libraries (and the conf dir and our
        // classes) are loaded once, in a shared loader; cassandra-all, which holds all of
        // Cassandra's static configuration state, is loaded afresh for every file.
        List<URL> shared = new ArrayList<>();
        List<URL> perFile = new ArrayList<>();
        // conf first: logback.xml, cassandra-rackdc.properties, cassandra-topology.properties
        shared.add(new File(conf).toURI().toURL());
        shared.add(new File(classes).toURI().toURL());
        perFile.add(new File(classes).toURI().toURL());
        File[] jars = new File(lib).listFiles((d, n) -> n.endsWith(".jar") && !n.startsWith("jmx_prometheus_javaagent"));
        if (jars == null || jars.length == 0)
            throw new IllegalArgumentException("no jars in " + lib);
        Arrays.sort(jars);
        for (File j : jars)
            (j.getName().startsWith("cassandra-all-") ? perFile : shared).add(j.toURI().toURL());
        if (perFile.size() != 2)
            throw new IllegalArgumentException("expected one cassandra-all jar in " + lib);
        ClassLoader sharedLoader = new URLClassLoader("oracle-shared", shared.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
        URL[] cp = perFile.toArray(new URL[0]);

        Path workDir = work != null ? Files.createDirectories(Paths.get(work)) : Files.createTempDirectory("casstune-oracle");
        // JVM-wide settings a packaged node also has (or that only matter to JMX):
        System.setProperty("org.apache.cassandra.disable_mbean_registration", "true");
        System.setProperty("cassandra-foreground", "yes");
        // SkipListMemtable's static init measures row overhead over 100000 rows (about a
        // CPU-second per class loader); a rough estimate changes no verdict.
        System.setProperty("cassandra.memtable_row_overhead_computation_step", "100");

        PrintStream out = System.out;
        // Anything Cassandra prints goes to stderr; stdout carries only our JSON lines.
        System.setOut(System.err);
        int n = 0;
        for (String f : files)
        {
            n++;
            long t0 = System.nanoTime();
            Path scratch = workDir.resolve("f" + n);
            Files.createDirectories(scratch);
            String[] r;
            File file = new File(f);
            if (!file.isFile())
                r = new String[]{ "error", "no such file: " + f, "", "", "" };
            else
            {
                System.setProperty("cassandra.config", file.getAbsoluteFile().toURI().toString());
                // base for data/commitlog/hints/saved_caches/cdc_raw when the yaml leaves them unset
                System.setProperty("cassandra.storagedir", scratch.resolve("storage").toString());
                r = runIsolated(sharedLoader, cp, f, scratch.toString(), timeout);
            }
            StringBuilder sb = new StringBuilder("{");
            field(sb, "file", f).append(',');
            field(sb, "verdict", r[0]).append(',');
            field(sb, "reason", r[1]).append(',');
            field(sb, "stage", r[3]).append(',');
            field(sb, "root_cause", r[4]).append(",\"warnings\":[");
            if (!r[2].isEmpty())
            {
                String[] w = r[2].split("\n");
                for (int i = 0; i < w.length; i++)
                    str(sb.append(i > 0 ? "," : ""), w[i]);
            }
            sb.append("]}");
            out.println(sb);
            out.flush();
            if (System.getenv("ORACLE_DEBUG") != null)
                System.err.printf("oracle: %s %d ms, heap used %d MiB%n", f, (System.nanoTime() - t0) / 1000000,
                                  (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
            deleteTree(scratch);
        }
        deleteTree(workDir);
        return 0;
    }

    private static String[] runIsolated(ClassLoader shared, URL[] cp, String file, String scratch, int timeout) throws Exception
    {
        ClassLoader loader = new URLClassLoader("oracle-" + new File(file).getName(), cp, shared)
        {
            // OracleWorker is also visible to the shared loader (same classes dir) but links
            // against Cassandra: load it here, next to this file's cassandra-all.  Cassandra's
            // own classes are looked up here first too (saves a scan of ~90 shared jars each).
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException
            {
                if (name.equals("OracleWorker") || name.startsWith("org.apache.cassandra."))
                {
                    synchronized (getClassLoadingLock(name))
                    {
                        Class<?> c = findLoadedClass(name);
                        if (c == null)
                        {
                            try
                            {
                                c = findClass(name);
                            }
                            catch (ClassNotFoundException e)
                            {
                                return super.loadClass(name, resolve);
                            }
                        }
                        if (resolve)
                            resolveClass(c);
                        return c;
                    }
                }
                return super.loadClass(name, resolve);
            }
        };
        String[][] result = new String[1][];
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(() -> {
            try
            {
                Class<?> w = Class.forName("OracleWorker", true, loader);
                Method m = w.getMethod("check", String.class, String.class);
                result[0] = (String[]) m.invoke(null, file, scratch);
            }
            catch (Throwable e)
            {
                failure[0] = e instanceof java.lang.reflect.InvocationTargetException && e.getCause() != null ? e.getCause() : e;
                failure[0].printStackTrace();
            }
        }, "oracle-" + new File(file).getName());
        t.setDaemon(true);
        t.setContextClassLoader(loader);
        t.start();
        t.join(timeout * 1000L);
        if (t.isAlive())
        {
            t.interrupt();
            return new String[]{ "error", "timeout after " + timeout + "s (harness gave up; not a Cassandra verdict)", "", "", "" };
        }
        // Not closing the loader: Cassandra's background threads may still load classes.
        if (failure[0] != null)
            return new String[]{ "error", "harness failure: " + failure[0], "", "", "" };
        return result[0];
    }

    // ------------------------------------------------------------------ jvm

    private static int jvm(String java, int timeout, List<String> files) throws Exception
    {
        Path cwd = Files.createTempDirectory("casstune-jvm-oracle");
        for (String f : files)
        {
            List<String> opts = new ArrayList<>(), skipped = new ArrayList<>(), warnings = new ArrayList<>(), adjusted = new ArrayList<>();
            String verdict, reason = "";
            Path p = Paths.get(f);
            if (!Files.isRegularFile(p))
            {
                verdict = "error";
                reason = "no such file: " + f;
            }
            else
            {
                // As cassandra.in.sh does: `for opt in $(grep "^-" FILE)`: only lines that start
                // with '-' count, and the shell splits them on whitespace.
                for (String line : Files.readAllLines(p, StandardCharsets.UTF_8))
                {
                    if (!line.startsWith("-"))
                        continue;
                    for (String o : line.trim().split("\\s+"))
                    {
                        if (o.startsWith("-javaagent:") || o.startsWith("-agentpath:") || o.startsWith("-agentlib:")
                            || o.equals("-XX:+AlwaysPreTouch"))
                            skipped.add(o);
                        else
                            opts.add(o);
                    }
                }
                Run run = runJava(java, opts, cwd, timeout);
                // -Xms commits the whole initial heap; on a host with less memory than the file
                // asks for that fails for reasons that are not about the options.  Retry with a
                // small -Xms (the -Xmx reservation is kept) and say so.
                if (run.rc != 0 && run.out.contains("os::commit_memory") && opts.stream().anyMatch(o -> o.startsWith("-Xms")))
                {
                    List<String> small = new ArrayList<>();
                    for (String o : opts)
                    {
                        if (o.startsWith("-Xms"))
                        {
                            adjusted.add(o + " -> -Xms64m (this host cannot commit that much memory)");
                            small.add("-Xms64m");
                        }
                        else
                            small.add(o);
                    }
                    run = runJava(java, small, cwd, timeout);
                }
                String[] lines = run.out.split("\\R");
                boolean banner = false;
                for (String l : lines)
                {
                    if (l.matches("^(openjdk|java) version .*"))
                        banner = true;
                    if (l.toLowerCase().contains("warning"))
                        warnings.add(l.trim());
                }
                verdict = run.rc == 0 && banner ? "accept" : "reject";
                if (!verdict.equals("accept"))
                {
                    // the first specific line: not blank, not a warning, not a generic banner
                    for (String l : lines)
                    {
                        String t = l.trim();
                        if (t.isEmpty() || t.toLowerCase().contains("warning") || GENERIC.contains(t))
                            continue;
                        reason = t;
                        break;
                    }
                    if (reason.isEmpty())
                        for (String l : lines)
                            if (!l.isBlank()) { reason = l.trim(); break; }
                    if (reason.isEmpty())
                        reason = run.rc == -1 ? "timeout after " + timeout + "s" : "exit code " + run.rc;
                }
            }
            StringBuilder sb = new StringBuilder("{");
            field(sb, "file", f).append(',');
            field(sb, "verdict", verdict).append(',');
            field(sb, "reason", reason).append(",\"jdk\":").append(Runtime.version().feature()).append(",\"options\":").append(opts.size());
            list(sb.append(",\"skipped\":"), skipped);
            list(sb.append(",\"warnings\":"), warnings);
            if (!adjusted.isEmpty())
                list(sb.append(",\"adjusted\":"), adjusted);
            System.out.println(sb.append('}'));
            System.out.flush();
        }
        deleteTree(cwd);
        return 0;
    }

    private static final List<String> GENERIC = List.of("Error occurred during initialization of VM",
                                                        "Error: Could not create the Java Virtual Machine.",
                                                        "Error: A fatal exception has occurred. Program will exit.");

    private static final class Run
    {
        int rc;
        String out;
    }

    /** java OPTS -version in cwd; stdout and stderr together (the JVM reports some errors on stdout). */
    private static Run runJava(String java, List<String> opts, Path cwd, int timeout) throws Exception
    {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(opts);
        cmd.add("-version");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        Process proc = pb.start();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Thread pump = new Thread(() -> { try (InputStream in = proc.getInputStream()) { in.transferTo(buf); } catch (IOException ignored) {} });
        pump.start();
        Run r = new Run();
        if (!proc.waitFor(timeout, TimeUnit.SECONDS))
        {
            proc.destroyForcibly();
            proc.waitFor();
            r.rc = -1;
        }
        else
            r.rc = proc.exitValue();
        pump.join();
        r.out = buf.toString(StandardCharsets.UTF_8);
        return r;
    }

    // ------------------------------------------------------------------ helpers

    private static StringBuilder field(StringBuilder sb, String k, String v)
    {
        return str(str(sb, k).append(':'), v);
    }

    private static StringBuilder list(StringBuilder sb, List<String> l)
    {
        sb.append('[');
        for (int i = 0; i < l.size(); i++)
            str(sb.append(i > 0 ? "," : ""), l.get(i));
        return sb.append(']');
    }

    static StringBuilder str(StringBuilder sb, String s)
    {
        sb.append('"');
        for (char c : s.toCharArray())
        {
            switch (c)
            {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
            }
        }
        return sb.append('"');
    }

    private static void deleteTree(Path p) throws IOException
    {
        if (!Files.exists(p))
            return;
        try (Stream<Path> s = Files.walk(p))
        {
            s.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }
}
