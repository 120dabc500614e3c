/*
 * JdkFlags: writes catalog/jdk17-flags.json from the JVM that runs it.
 *
 *   java JdkFlags <out.json> [jvm.options file]...
 *
 *  - "flags": every flag of `java -XX:+UnlockDiagnosticVMOptions -XX:+UnlockExperimentalVMOptions
 *    -XX:+PrintFlagsFinal -version`, with its type and category (product, diagnostic, experimental,
 *    manageable; the C1/C2/ARCH/JVMCI/pd qualifiers of PrintFlagsFinal are dropped), and for flags that
 *    have one, the allowed range printed by -XX:+PrintFlagsRanges ("min"/"max", as strings exactly as
 *    printed: uint64 bounds do not fit a JSON integer everywhere and double bounds are printed with %.3f).
 *    java checks a command-line value against this range when it sets the flag, and refuses to start
 *    with "<type> <Name>=<value> is outside the allowed range [ min ... max ]".
 *  - "legacy": the commonly seen Cassandra flags listed below plus every distinct -XX: option found in the
 *    given files (commented-out lines included, since people uncomment them), each run on its own as
 *    `java <arg> -version` (no unlock options) and classified by exit code and the first line the JVM
 *    printed besides the version banner (stderr, then stdout, where unified-logging warnings go):
 *      error                 the JVM refused to start
 *      ignored_with_warning  started, but said the option is ignored / support was removed
 *      ok_with_warning       started with another warning (deprecated, not applicable on this machine...)
 *      ok                    started silently
 *    For boolean flags both the + and the - form are run.
 * The java binary is the one of the running JVM (java.home), so run this with the JDK being described.
 */

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class JdkFlags
{
    static final String[] COMMON = {
        "UseConcMarkSweepGC", "UseParNewGC", "CMSParallelRemarkEnabled", "CMSInitiatingOccupancyFraction=75",
        "UseCMSInitiatingOccupancyOnly", "CMSWaitDuration=10000", "CMSParallelInitialMarkEnabled",
        "CMSEdenChunksRecordAlways", "CMSClassUnloadingEnabled", "UseParallelOldGC", "PrintGCDetails",
        "PrintGCDateStamps", "PrintHeapAtGC", "PrintTenuringDistribution", "PrintGCApplicationStoppedTime",
        "PrintPromotionFailure", "UseGCLogFileRotation", "NumberOfGCLogFiles=10", "GCLogFileSize=10M",
        "PrintFLSStatistics=1", "UseBiasedLocking", "UseCondCardMark", "ThreadPriorityPolicy=42", "UseTLAB",
        "ResizeTLAB", "PerfDisableSharedMem", "OptimizeStringConcat", "UseStringDeduplication", "AlwaysPreTouch",
        "UseNUMA", "UseThreadPriorities", "HeapDumpOnOutOfMemoryError", "CrashOnOutOfMemoryError",
        "ExitOnOutOfMemoryError", "UseLargePages", "UseTransparentHugePages", "UnlockCommercialFeatures",
        "FlightRecorder", "AggressiveOpts", "UseFastAccessorMethods", "StringTableSize=1000003",
        "MaxGCPauseMillis=300", "G1RSetUpdatingPauseTimePercent=5", "UseZGC", "UseShenandoahGC", "ZGenerational",
    };

    static final Pattern FLAG_LINE = Pattern.compile(
        "^\\s*(\\S+)\\s+(\\S+)\\s+:?=\\s*(.*?)\\s*\\{([^}]*)\\}\\s*\\{([^}]*)\\}\\s*$");
    static final Pattern RANGE_LINE = Pattern.compile(
        "^\\s*(\\S+)\\s+(\\S+)\\s+\\[\\s*(\\S*)\\s*\\.\\.\\.\\s*(\\S*)\\s*\\]\\s*\\{([^}]*)\\}.*$");
    static final Pattern XX = Pattern.compile("-XX:([+-]?)([A-Za-z0-9_]+)(=[^\\s\"']*)?");

    static String java()
    {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    static final class Result
    {
        int exit;
        List<String> stdout = new ArrayList<>();
        List<String> stderr = new ArrayList<>();
    }

    static Result run(List<String> cmd) throws IOException, InterruptedException
    {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        pb.environment().remove("_JAVA_OPTIONS");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        Process p = pb.start();
        p.getOutputStream().close();
        Result r = new Result();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        r.exit = p.waitFor();
        for (String l : new String(out, StandardCharsets.UTF_8).split("\n"))
            if (!l.isEmpty())
                r.stdout.add(l);
        for (String l : new String(err, StandardCharsets.UTF_8).split("\n"))
            if (!l.isEmpty())
                r.stderr.add(l);
        return r;
    }

    static boolean isBanner(String line)
    {
        return line.startsWith("openjdk version") || line.startsWith("java version")
               || line.startsWith("OpenJDK Runtime Environment") || line.startsWith("Java(TM) SE Runtime Environment")
               || (line.contains("64-Bit Server VM (build") && !line.contains("warning"));
    }

    public static void main(String[] args) throws Exception
    {
        if (args.length < 1)
        {
            System.err.println("usage: JdkFlags <out.json> [jvm.options]...");
            System.exit(2);
        }
        String jdk = System.getProperty("java.version");
        if (!jdk.startsWith("17"))
            throw new IllegalStateException("JdkFlags must run on JDK 17, this is " + jdk);

        // ---- all flags
        List<String> cmd = List.of(java(), "-XX:+UnlockDiagnosticVMOptions", "-XX:+UnlockExperimentalVMOptions",
                                   "-XX:+PrintFlagsFinal", "-version");
        Result all = run(cmd);
        if (all.exit != 0)
            throw new IllegalStateException("PrintFlagsFinal failed: " + all.stderr);
        Map<String, Map<String, Object>> flags = new TreeMap<>();
        for (String line : all.stdout)
        {
            Matcher m = FLAG_LINE.matcher(line);
            if (!m.matches())
                continue;
            String[] cat = m.group(4).trim().split("\\s+");
            Map<String, Object> f = new java.util.LinkedHashMap<>();
            f.put("name", m.group(2));
            f.put("type", m.group(1));
            f.put("category", cat[cat.length - 1]);
            flags.put(m.group(2), f);
        }
        // ---- allowed ranges (flags without a range print "[ ... ]")
        List<String> rcmd = List.of(java(), "-XX:+UnlockDiagnosticVMOptions", "-XX:+UnlockExperimentalVMOptions",
                                    "-XX:+PrintFlagsRanges", "-version");
        Result ranges = run(rcmd);
        if (ranges.exit != 0)
            throw new IllegalStateException("PrintFlagsRanges failed: " + ranges.stderr);
        int ranged = 0;
        for (String line : ranges.stdout)
        {
            Matcher m = RANGE_LINE.matcher(line);
            if (!m.matches() || m.group(3).isEmpty() || m.group(4).isEmpty())
                continue;
            Map<String, Object> f = flags.get(m.group(2));
            if (f == null)
                throw new IllegalStateException("PrintFlagsRanges names a flag PrintFlagsFinal does not: " + line);
            if (!m.group(1).equals(f.get("type")))
                throw new IllegalStateException("type differs between PrintFlagsFinal and PrintFlagsRanges: " + line);
            f.put("min", m.group(3));
            f.put("max", m.group(4));
            ranged++;
        }
        if (ranged == 0)
            throw new IllegalStateException("no range parsed from PrintFlagsRanges");
        Map<String, Boolean> isBool = new TreeMap<>();
        for (Map.Entry<String, Map<String, Object>> e : flags.entrySet())
            isBool.put(e.getKey(), "bool".equals(e.getValue().get("type")));

        // ---- what to probe: arg -> bare name (or Name=value)
        TreeMap<String, String> probes = new TreeMap<>();
        for (String c : COMMON)
            addProbe(probes, isBool, "", c);
        for (int i = 1; i < args.length; i++)
        {
            for (String line : Files.readAllLines(Paths.get(args[i]), StandardCharsets.UTF_8))
            {
                Matcher m = XX.matcher(line);
                while (m.find())
                {
                    String value = m.group(3) == null ? "" : m.group(3);
                    addProbe(probes, isBool, m.group(1), m.group(2) + value);
                }
            }
        }

        List<Object> legacy = new ArrayList<>();
        for (Map.Entry<String, String> e : probes.entrySet())
        {
            String arg = e.getKey();
            List<String> c = new ArrayList<>();
            c.add(java());
            if (arg.contains("AlwaysPreTouch"))
            {
                c.add("-Xms16m"); // never pre-touch a big heap
                c.add("-Xmx64m");
            }
            c.add(arg);
            c.add("-version");
            Result r = run(c);
            // JVM warnings go to stderr; unified-logging warnings ("[0.002s][warning][gc] ...") to stdout
            String message = null;
            List<String> lines = new ArrayList<>(r.stderr);
            lines.addAll(r.stdout);
            for (String l : lines)
            {
                if (!isBanner(l))
                {
                    message = l.replaceFirst("^\\[[0-9.]+s\\]", ""); // drop the uptime stamp: not deterministic
                    break;
                }
            }
            String status;
            if (r.exit != 0)
                status = "error";
            else if (message == null)
                status = "ok";
            else if (message.matches("(?i).*(ignoring option|support was removed|has no effect).*"))
                status = "ignored_with_warning";
            else
                status = "ok_with_warning";
            Map<String, Object> item = new java.util.LinkedHashMap<>();
            item.put("name", e.getValue());
            item.put("arg", arg);
            item.put("jdk17", status);
            item.put("message", message);
            legacy.add(item);
        }
        legacy.sort((a, b) -> {
            Map<?, ?> x = (Map<?, ?>) a, y = (Map<?, ?>) b;
            int n = ((String) x.get("name")).compareTo((String) y.get("name"));
            return n != 0 ? n : ((String) x.get("arg")).compareTo((String) y.get("arg"));
        });

        Map<String, Object> root = new java.util.LinkedHashMap<>();
        root.put("jdk", jdk);
        root.put("java_vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        root.put("flags", new ArrayList<>(flags.values()));
        root.put("legacy", legacy);
        StringBuilder sb = new StringBuilder();
        CatalogGen.writeJson(sb, root, 0);
        sb.append('\n');
        Files.write(Paths.get(args[0]), sb.toString().getBytes(StandardCharsets.UTF_8));
        System.err.println("JdkFlags: " + flags.size() + " flags (" + ranged + " with a range), " + legacy.size() + " probes -> " + args[0]);
    }

    /** sign: "+", "-" or "" (unknown: both forms for a boolean flag); spec: Name or Name=value */
    static void addProbe(TreeMap<String, String> probes, Map<String, Boolean> isBool, String sign, String spec)
    {
        String name = spec.contains("=") ? spec.substring(0, spec.indexOf('=')) : spec;
        if (spec.contains("="))
        {
            probes.put("-XX:" + spec, spec);
            return;
        }
        // a flag unknown to this JDK is probed like a boolean (that is how old configs use them)
        if (sign.isEmpty() || isBool.getOrDefault(name, true))
        {
            if (sign.isEmpty() || sign.equals("+"))
                probes.put("-XX:+" + name, name);
            if (sign.isEmpty() || sign.equals("-"))
                probes.put("-XX:-" + name, name);
        }
        else
            probes.put("-XX:" + sign + name, name);
    }
}
