/*
 * ClassList: writes catalog/classes-<major.minor>.json, the classes one cassandra-all release ships
 * for each pluggable cassandra.yaml setting (partitioner, endpoint_snitch, seed_provider, the auth
 * backends, memtable factories, compaction strategies, compressors, crypto providers).
 *
 *   java -cp CLASSES_DIR ClassList <major.minor> <groupId:artifactId:version> <cassandra-all.jar> <out.json>
 *
 * Nothing is loaded: the class files are read as bytes (constant pool, access flags, super class,
 * interfaces, fields, methods), so no dependency jar is needed and no static initialiser runs.
 * A class counts for a kind when it is public, top-level (a yaml value never names a nested
 * class), concrete (neither interface nor abstract) and the kind's base type is among its
 * supertypes inside the jar. Memtable factories are found the way MemtableParams.getMemtableFactory
 * looks them up: a static `factory(Map)` method or a static `FACTORY` field, of a type from
 * org.apache.cassandra.db.memtable. Output is sorted, so it is byte-identical between runs.
 */

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

public class ClassList
{
    static final int ACC_PUBLIC = 0x0001, ACC_STATIC = 0x0008, ACC_INTERFACE = 0x0200, ACC_ABSTRACT = 0x0400;

    /** yaml kind -> base type; "" marks the memtable factory lookup. */
    static final String[][] KINDS = {
        { "partitioner", "org.apache.cassandra.dht.IPartitioner" },
        { "endpoint_snitch", "org.apache.cassandra.locator.IEndpointSnitch" },
        { "seed_provider", "org.apache.cassandra.locator.SeedProvider" },
        { "authenticator", "org.apache.cassandra.auth.IAuthenticator" },
        { "authorizer", "org.apache.cassandra.auth.IAuthorizer" },
        { "role_manager", "org.apache.cassandra.auth.IRoleManager" },
        { "network_authorizer", "org.apache.cassandra.auth.INetworkAuthorizer" },
        { "cidr_authorizer", "org.apache.cassandra.auth.ICIDRAuthorizer" },
        { "internode_authenticator", "org.apache.cassandra.auth.IInternodeAuthenticator" },
        { "memtable", "" },
        { "compaction", "org.apache.cassandra.db.compaction.AbstractCompactionStrategy" },
        { "compressor", "org.apache.cassandra.io.compress.ICompressor" },
        { "crypto_provider", "org.apache.cassandra.security.AbstractCryptoProvider" },
    };

    static final class Info
    {
        String name;
        int access;
        String superName;
        List<String> interfaces = new ArrayList<>();
        boolean memtableFactory;
    }

    public static void main(String[] args) throws IOException
    {
        if (args.length != 4)
        {
            System.err.println("usage: ClassList <major.minor> <group:artifact:version> <cassandra-all.jar> <out.json>");
            System.exit(2);
        }
        Map<String, Info> classes = new HashMap<>();
        try (JarFile jar = new JarFile(args[2]))
        {
            for (Enumeration<JarEntry> en = jar.entries(); en.hasMoreElements(); )
            {
                JarEntry e = en.nextElement();
                if (!e.getName().endsWith(".class") || !e.getName().startsWith("org/apache/cassandra/"))
                    continue;
                try (InputStream in = jar.getInputStream(e))
                {
                    Info info = read(in.readAllBytes());
                    classes.put(info.name, info);
                }
            }
        }

        StringBuilder sb = new StringBuilder();
        sb.append("{\n");
        sb.append("  \"cassandra_version\": ").append(quote(args[0])).append(",\n");
        sb.append("  \"artifact\": ").append(quote(args[1])).append(",\n");
        sb.append("  \"kinds\": {");
        boolean firstKind = true;
        for (String[] kind : KINDS)
        {
            String base = kind[1];
            if (!base.isEmpty() && !classes.containsKey(base))
                continue; // not in this release (e.g. ICIDRAuthorizer before 5.0)
            TreeSet<String> found = new TreeSet<>();
            for (Info c : classes.values())
            {
                if ((c.access & (ACC_INTERFACE | ACC_ABSTRACT)) != 0 || (c.access & ACC_PUBLIC) == 0
                    || c.name.contains("$"))
                    continue;
                boolean match = base.isEmpty() ? c.memtableFactory : supertypes(c, classes).contains(base);
                if (match)
                    found.add(c.name);
            }
            if (base.isEmpty() && found.isEmpty())
                continue; // no pluggable memtables before 4.1
            sb.append(firstKind ? "\n" : ",\n");
            firstKind = false;
            sb.append("    ").append(quote(kind[0])).append(": {\n");
            sb.append("      \"type\": ").append(base.isEmpty() ? "null" : quote(base)).append(",\n");
            sb.append("      \"classes\": [");
            boolean first = true;
            for (String n : found)
            {
                sb.append(first ? "\n" : ",\n").append("        ").append(quote(n));
                first = false;
            }
            sb.append(first ? "]\n" : "\n      ]\n");
            sb.append("    }");
        }
        sb.append("\n  }\n}\n");
        Path out = Paths.get(args[3]);
        Files.write(out, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    static Set<String> supertypes(Info c, Map<String, Info> classes)
    {
        Set<String> seen = new HashSet<>();
        List<String> todo = new ArrayList<>();
        todo.add(c.name);
        while (!todo.isEmpty())
        {
            String n = todo.remove(todo.size() - 1);
            if (!seen.add(n))
                continue;
            Info i = classes.get(n);
            if (i == null)
                continue; // outside cassandra-all (java.*, a dependency)
            if (i.superName != null)
                todo.add(i.superName);
            todo.addAll(i.interfaces);
        }
        return seen;
    }

    /** The parts of a class file this tool needs (JVMS §4.1). */
    static Info read(byte[] bytes) throws IOException
    {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        if (in.readInt() != 0xCAFEBABE)
            throw new IOException("not a class file");
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classIndex = new int[count];
        for (int i = 1; i < count; i++)
        {
            int tag = in.readUnsignedByte();
            switch (tag)
            {
                case 1: utf8[i] = in.readUTF(); break;
                case 7: classIndex[i] = in.readUnsignedShort(); break;
                case 8: case 16: case 19: case 20: in.readUnsignedShort(); break;
                case 15: in.readUnsignedByte(); in.readUnsignedShort(); break;
                case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18: in.readInt(); break;
                case 5: case 6: in.readLong(); i++; break;
                default: throw new IOException("constant pool tag " + tag);
            }
        }
        Info info = new Info();
        info.access = in.readUnsignedShort();
        info.name = className(utf8, classIndex, in.readUnsignedShort());
        int sup = in.readUnsignedShort();
        info.superName = sup == 0 ? null : className(utf8, classIndex, sup);
        int ifaces = in.readUnsignedShort();
        for (int i = 0; i < ifaces; i++)
            info.interfaces.add(className(utf8, classIndex, in.readUnsignedShort()));
        for (int pass = 0; pass < 2; pass++) // fields, then methods
        {
            int members = in.readUnsignedShort();
            for (int m = 0; m < members; m++)
            {
                int access = in.readUnsignedShort();
                String name = utf8[in.readUnsignedShort()];
                String desc = utf8[in.readUnsignedShort()];
                int attrs = in.readUnsignedShort();
                for (int a = 0; a < attrs; a++)
                {
                    in.readUnsignedShort();
                    in.skipNBytes(in.readInt() & 0xffffffffL);
                }
                if ((access & ACC_STATIC) == 0)
                    continue;
                String memtablePkg = "Lorg/apache/cassandra/db/memtable/";
                if (pass == 0 && name.equals("FACTORY") && desc.startsWith(memtablePkg))
                    info.memtableFactory = true;
                if (pass == 1 && name.equals("factory") && desc.startsWith("(Ljava/util/Map;)" + memtablePkg))
                    info.memtableFactory = true;
            }
        }
        return info;
    }

    static String className(String[] utf8, int[] classIndex, int i)
    {
        return utf8[classIndex[i]].replace('/', '.');
    }

    static String quote(String s)
    {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray())
        {
            if (c == '"' || c == '\\')
                sb.append('\\');
            sb.append(c);
        }
        return sb.append('"').toString();
    }
}
