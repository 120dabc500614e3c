/*
 * CatalogGen: writes the casstune cassandra.yaml parameter catalogue for one Cassandra version.
 *
 * Run it with the classpath of exactly one cassandra-all version (jar + runtime deps):
 *
 *   java -cp "CLASSES_DIR:LIB/*" CatalogGen <major.minor> <groupId:artifactId:version> <out.json>
 *
 * Everything is read reflectively from the jars; this file is compiled without any Cassandra or
 * SnakeYAML class on the classpath, so one build works for 3.11, 4.0, 4.1 and 5.0.
 *
 * Which yaml keys exist is decided the way the version's own YamlConfigurationLoader decides it:
 *  - 4.1+: org.apache.cassandra.config.Properties.defaultLoader().getProperties(type)
 *          (DefaultLoader: public non-static non-transient fields without @JsonIgnore, plus bean
 *          properties that have a setter; names converted camelCase -> snake_case).
 *  - 3.11/4.0: SnakeYAML's PropertyUtils.getPropertiesMap(type, BeanAccess.DEFAULT) (public
 *          non-static non-transient fields plus JavaBean properties), keeping the writable ones.
 * Renames (@Replaces) come from the loader's own replacement table:
 *  - 4.1+: org.apache.cassandra.config.Replacements.getNameReplacements(Config.class)
 *  - 4.0:  the private static YamlConfigurationLoader.getNameReplacements(Config.class)
 *  - 3.11: none.
 * Defaults come from `new Config()` (and, for nested option classes whose Config default is null,
 * from their public no-arg constructor, which is what SnakeYAML calls).
 */

import java.io.IOException;
import java.io.Writer;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class CatalogGen
{
    static final String CFG = "org.apache.cassandra.config.";
    static final int MAX_DEPTH = 3;

    // smallest-first unit tokens accepted by DurationSpec / DataStorageSpec / DataRateSpec
    static final String[] DURATION_UNITS = { "ns", "us", "ms", "s", "m", "h", "d" };
    static final String[] STORAGE_UNITS = { "B", "KiB", "MiB", "GiB" };
    static final String[] RATE_UNITS = { "B/s", "KiB/s", "MiB/s" };

    // unit implied by an old-style (pre-4.1) parameter name suffix; first match wins
    static final String[][] SUFFIX_UNITS = {
        { "_megabits_per_sec$", "Mbit/s" },
        { "_(in_)?mb_per_sec$", "MiB/s" },
        { "_(in_)?kb_per_sec$", "KiB/s" },
        { "_in_ms$|_ms$", "ms" },
        { "_in_us$|_us$", "us" },
        { "_in_ns$|_ns$", "ns" },
        { "_in_mb$|_mb$", "MiB" },
        { "_in_kb$|_kb$", "KiB" },
        { "_in_bytes$|_bytes$|_in_bytes_per_ip$", "B" },
        { "_in_minutes$|_minutes$", "m" },
        { "_in_hours$|_hours$", "h" },
        { "_in_days$|_days$", "d" },
        { "_in_seconds$|_in_sec$|_in_secs$|_seconds$|_in_s$", "s" },
    };

    final ClassLoader cl = CatalogGen.class.getClassLoader();
    final boolean modernLoader;            // 4.1+: org.apache.cassandra.config.DefaultLoader
    final Object loader;                   // DefaultLoader (4.1+) or SnakeYAML PropertyUtils (<= 4.0)
    final Method getProps;
    final Object beanAccessDefault;
    final Map<Class<?>, Map<String, Object>> replacements; // parent class -> oldName -> Replacement
    final Class<?> durationSpec, storageSpec, rateSpec, parameterizedClass;
    /** old (pre-4.1) name -> unit its bare number is read in, from a newer version's @Replaces converters */
    final Map<String, String> oldUnits = new TreeMap<>();

    CatalogGen() throws Exception
    {
        modernLoader = exists(CFG + "DefaultLoader");
        if (modernLoader)
        {
            loader = Class.forName(CFG + "Properties").getMethod("defaultLoader").invoke(null);
            getProps = Class.forName(CFG + "Loader").getMethod("getProperties", Class.class);
            beanAccessDefault = null;
        }
        else
        {
            Class<?> pu = Class.forName("org.yaml.snakeyaml.introspector.PropertyUtils");
            Class<?> ba = Class.forName("org.yaml.snakeyaml.introspector.BeanAccess");
            loader = pu.getConstructor().newInstance();
            getProps = pu.getDeclaredMethod("getPropertiesMap", Class.class, ba);
            getProps.setAccessible(true);
            beanAccessDefault = ba.getField("DEFAULT").get(null);
        }
        replacements = loadReplacements();
        durationSpec = classOrNull(CFG + "DurationSpec");
        storageSpec = classOrNull(CFG + "DataStorageSpec");
        rateSpec = classOrNull(CFG + "DataRateSpec");
        parameterizedClass = Class.forName(CFG + "ParameterizedClass");
    }

    boolean exists(String name)
    {
        return classOrNull(name) != null;
    }

    Class<?> classOrNull(String name)
    {
        try
        {
            return Class.forName(name, false, cl);
        }
        catch (ClassNotFoundException e)
        {
            return null;
        }
    }

    @SuppressWarnings("unchecked")
    Map<Class<?>, Map<String, Object>> loadReplacements() throws Exception
    {
        Class<?> config = Class.forName(CFG + "Config");
        Class<?> r = classOrNull(CFG + "Replacements");
        if (r != null)
            return (Map<Class<?>, Map<String, Object>>) r.getMethod("getNameReplacements", Class.class).invoke(null, config);
        Class<?> ycl = Class.forName(CFG + "YamlConfigurationLoader");
        for (Method m : ycl.getDeclaredMethods())
        {
            if (m.getName().equals("getNameReplacements") && m.getParameterCount() == 1)
            {
                m.setAccessible(true);
                return (Map<Class<?>, Map<String, Object>>) m.invoke(null, config);
            }
        }
        return Map.of(); // 3.11: no renames
    }

    /** The yaml key -> SnakeYAML Property map the version's loader uses for {@code type}, writable ones only. */
    @SuppressWarnings("unchecked")
    Map<String, Object> properties(Class<?> type) throws Exception
    {
        Map<String, Object> raw = modernLoader
                                  ? (Map<String, Object>) getProps.invoke(loader, type)
                                  : (Map<String, Object>) getProps.invoke(loader, type, beanAccessDefault);
        Map<String, Object> out = new TreeMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet())
        {
            if ((Boolean) call(e.getValue(), "isWritable"))
                out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    static Object call(Object target, String method, Object... args) throws Exception
    {
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass())
        {
            for (Method m : c.getDeclaredMethods())
            {
                if (m.getName().equals(method) && m.getParameterCount() == args.length)
                {
                    m.setAccessible(true);
                    return m.invoke(target, args);
                }
            }
        }
        throw new NoSuchMethodException(target.getClass() + "." + method);
    }

    static Object readField(Object target, String field) throws Exception
    {
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass())
        {
            try
            {
                Field f = c.getDeclaredField(field);
                f.setAccessible(true);
                return f.get(target);
            }
            catch (NoSuchFieldException ignored)
            {
            }
        }
        throw new NoSuchFieldException(field);
    }

    static String camelToSnake(String name)
    {
        StringBuilder sb = new StringBuilder();
        for (char c : name.toCharArray())
        {
            if (Character.isUpperCase(c))
                sb.append('_').append(Character.toLowerCase(c));
            else
                sb.append(c);
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ model

    Map<String, Object> describeClass(Class<?> type, Object instance, int depth) throws Exception
    {
        // returns name -> parameter JSON object, sorted by name
        Map<String, Object> params = new TreeMap<>();
        Map<String, Object> props = properties(type);
        Map<String, Object> repl = replacements.getOrDefault(type, Map.of());
        for (Map.Entry<String, Object> e : props.entrySet())
        {
            String name = e.getKey();
            Object prop = e.getValue();
            Class<?> jt = (Class<?>) call(prop, "getType");
            Object value = null;
            if (instance != null)
            {
                try
                {
                    value = call(prop, "get", instance);
                }
                catch (Exception ex)
                {
                    value = readFieldOrNull(instance, name);
                }
            }
            String kind = kind(jt);
            String unit = null;
            Long max = null;
            if (kind.equals("duration") || kind.equals("storage") || kind.equals("rate"))
            {
                unit = minUnit(jt, kind);
                max = intBoundMax(jt, unit);
            }
            else if (kind.equals("int") || kind.equals("long") || kind.equals("double"))
            {
                unit = suffixUnit(name);
                String fromConverter = depth == 0 ? oldUnits.get(name) : null;
                if (unit == null)
                    unit = fromConverter;
                else if (fromConverter != null && !fromConverter.equals(unit))
                    System.err.println("CatalogGen: WARNING " + name + ": suffix says " + unit + ", converter says " + fromConverter);
            }
            Class<?> scalar = scalarCtorParam(jt);
            if (jt == int.class || jt == Integer.class || scalar == int.class || scalar == Integer.class)
                max = (long) Integer.MAX_VALUE;

            List<Object> enumValues = null;
            if (kind.equals("enum"))
            {
                enumValues = new ArrayList<>();
                for (Object c : jt.getEnumConstants())
                    enumValues.add(((Enum<?>) c).name());
            }
            Map<String, Object> nested = null;
            if (kind.equals("object") && depth < MAX_DEPTH)
            {
                // unset sub-keys keep what the instance SnakeYAML starts from has: the Config default,
                // or a fresh no-arg instance when the Config default is null
                Object nestedInstance = value != null ? value : newInstanceOrNull(jt);
                nested = describeClass(jt, nestedInstance, depth + 1);
            }
            Object def;
            if (value == null)
                def = null;
            else if (kind.equals("object"))
                def = nested != null ? nestedDefaults(nested) : jsonValue(value);
            else if (kind.equals("list") || kind.equals("set") || kind.equals("map") || kind.equals("parameterized_class"))
                def = jsonValue(value);
            else if (value instanceof Enum)
                def = ((Enum<?>) value).name();
            else
                def = String.valueOf(value);

            Map<String, Object> p = new LinkedHashMap<>();
            p.put("name", name);
            p.put("java_type", jt.getName());
            p.put("kind", kind);
            p.put("unit", unit);
            if (max != null)
                p.put("max", max);
            p.put("default", def);
            p.put("nullable", !jt.isPrimitive());
            p.put("deprecated", call(prop, "getAnnotation", Deprecated.class) != null);
            if (enumValues != null)
                p.put("enum_values", enumValues);
            if (nested != null)
                p.put("fields", new ArrayList<>(nested.values()));

            List<Object> rs = new ArrayList<>();
            for (Object r : repl.values())
            {
                String newName = (String) readField(r, "newName");
                if (!newName.equals(name) && !camelToSnake(newName).equals(name))
                    continue;
                Map<String, Object> rj = new LinkedHashMap<>();
                rj.put("old_name", readField(r, "oldName"));
                Object conv = null;
                try
                {
                    conv = readField(r, "converter");
                }
                catch (NoSuchFieldException ignored)
                {
                    // 4.0's Replacement has no converter: a pure rename
                }
                rj.put("converter", conv == null ? null : ((Enum<?>) conv).name());
                rj.put("deprecated", readField(r, "deprecated"));
                rs.add(rj);
            }
            rs.sort(Comparator.comparing(o -> (String) ((Map<?, ?>) o).get("old_name")));
            p.put("replaces", rs);
            params.put(name, p);
        }
        return params;
    }

    static Object nestedDefaults(Map<String, Object> nested)
    {
        Map<String, Object> out = new TreeMap<>();
        for (Map.Entry<String, Object> e : nested.entrySet())
            out.put(e.getKey(), ((Map<?, ?>) e.getValue()).get("default"));
        return out;
    }

    Object readFieldOrNull(Object instance, String name)
    {
        try
        {
            return readField(instance, name);
        }
        catch (Exception e)
        {
            return null;
        }
    }

    static Object newInstanceOrNull(Class<?> c)
    {
        try
        {
            Constructor<?> k = c.getDeclaredConstructor();
            if (!Modifier.isPublic(k.getModifiers()))
                return null;
            return k.newInstance();
        }
        catch (Throwable e)
        {
            return null;
        }
    }

    /** A class SnakeYAML builds from a yaml scalar: no public no-arg constructor, one public 1-arg scalar one. */
    static Class<?> scalarCtorParam(Class<?> c)
    {
        if (c.isPrimitive() || c.isEnum() || c.isArray() || c.getName().startsWith("java."))
            return null;
        Class<?> found = null;
        for (Constructor<?> k : c.getConstructors())
        {
            if (k.getParameterCount() == 0)
                return null;
            if (k.getParameterCount() == 1)
            {
                Class<?> t = k.getParameterTypes()[0];
                if (t.isPrimitive() || t == String.class || t == Integer.class || t == Long.class)
                    found = t;
            }
        }
        return found;
    }

    String kind(Class<?> t)
    {
        if (t == boolean.class || t == Boolean.class)
            return "bool";
        if (t == int.class || t == Integer.class || t == short.class || t == Short.class || t == byte.class || t == Byte.class)
            return "int";
        if (t == long.class || t == Long.class)
            return "long";
        if (t == double.class || t == Double.class || t == float.class || t == Float.class)
            return "double";
        if (t == String.class || t == char.class || t == Character.class)
            return "string";
        if (t.isEnum())
            return "enum";
        if (durationSpec != null && durationSpec.isAssignableFrom(t))
            return "duration";
        if (storageSpec != null && storageSpec.isAssignableFrom(t))
            return "storage";
        if (rateSpec != null && rateSpec.isAssignableFrom(t))
            return "rate";
        if (t.isArray() || List.class.isAssignableFrom(t))
            return "list";
        if (Set.class.isAssignableFrom(t))
            return "set";
        if (Map.class.isAssignableFrom(t))
            return "map";
        if (parameterizedClass.isAssignableFrom(t))
            return "parameterized_class";
        Class<?> sc = scalarCtorParam(t);
        if (sc != null)
            return kind(sc);
        return "object";
    }

    Object parseSpec(Class<?> t, String s)
    {
        try
        {
            return t.getConstructor(String.class).newInstance(s);
        }
        catch (Throwable e)
        {
            return null;
        }
    }

    String minUnit(Class<?> t, String kind)
    {
        String[] units = kind.equals("duration") ? DURATION_UNITS : kind.equals("storage") ? STORAGE_UNITS : RATE_UNITS;
        for (String u : units)
            if (parseSpec(t, "1" + u) != null)
                return u;
        throw new IllegalStateException("no accepted unit for " + t.getName());
    }

    /** For spec classes bounded by an int: the largest quantity accepted in the minimum unit, else null. */
    Long intBoundMax(Class<?> t, String unit)
    {
        if (parseSpec(t, Integer.MAX_VALUE + unit) != null)
            return null; // long-bounded
        for (long v = Integer.MAX_VALUE - 1L; v > Integer.MAX_VALUE - 4L; v--)
            if (parseSpec(t, v + unit) != null)
                return v;
        throw new IllegalStateException("cannot find bound of " + t.getName());
    }

    static String suffixUnit(String name)
    {
        for (String[] su : SUFFIX_UNITS)
            if (Pattern.compile(su[0]).matcher(name).find())
                return su[1];
        return null;
    }

    Object jsonValue(Object v) throws Exception
    {
        if (v == null)
            return null;
        if (v instanceof Enum)
            return ((Enum<?>) v).name();
        if (v instanceof String || v instanceof Number || v instanceof Boolean || v instanceof Character)
            return String.valueOf(v);
        if (v.getClass().isArray())
        {
            List<Object> out = new ArrayList<>();
            int n = java.lang.reflect.Array.getLength(v);
            for (int i = 0; i < n; i++)
                out.add(jsonValue(java.lang.reflect.Array.get(v, i)));
            return out;
        }
        if (v instanceof Set)
        {
            List<Object> out = new ArrayList<>();
            for (Object o : (Collection<?>) v)
                out.add(jsonValue(o));
            out.sort(Comparator.comparing(CatalogGen::toJsonString));
            return out;
        }
        if (v instanceof Collection)
        {
            List<Object> out = new ArrayList<>();
            for (Object o : (Collection<?>) v)
                out.add(jsonValue(o));
            return out;
        }
        if (v instanceof Map)
        {
            Map<String, Object> out = new TreeMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet())
                out.put(String.valueOf(jsonValue(e.getKey())), jsonValue(e.getValue()));
            return out;
        }
        Class<?> t = v.getClass();
        if (parameterizedClass.isAssignableFrom(t) || kind(t).equals("object"))
        {
            Map<String, Object> out = new TreeMap<>();
            for (Map.Entry<String, Object> e : properties(t).entrySet())
            {
                Object fv;
                try
                {
                    fv = call(e.getValue(), "get", v);
                }
                catch (Exception ex)
                {
                    fv = readFieldOrNull(v, e.getKey());
                }
                out.put(e.getKey(), jsonValue(fv));
            }
            return out;
        }
        return String.valueOf(v);
    }

    // ------------------------------------------------------------------ old-name units (4.1+ converters)

    /**
     * For every @Replaces of this version, the unit in which the old name's bare number is read, found by running
     * the converter on the old value 1 and reading the unit of the resulting spec (1 -> "1ms" means "ms";
     * 1 -> "125000B/s" means megabits per second). Old names whose converter does not produce a spec (IDENTITY and
     * the like) take the same value format as the new name and are left out.
     */
    Map<String, String[]> converterOldUnits() throws Exception
    {
        Map<String, String[]> out = new TreeMap<>();
        for (Map<String, Object> byOld : replacements.values())
        {
            for (Object r : byOld.values())
            {
                Object conv;
                try
                {
                    conv = readField(r, "converter");
                }
                catch (NoSuchFieldException e)
                {
                    continue;
                }
                Class<?> newType = (Class<?>) call(conv, "getNewType");
                Class<?> oldType = (Class<?>) call(conv, "getOldType");
                if (newType == null || oldType == null)
                    continue;
                String newKind = kind(newType);
                if (!newKind.equals("duration") && !newKind.equals("storage") && !newKind.equals("rate"))
                    continue;
                String oldName = (String) readField(r, "oldName");
                String oldKind = kind(oldType);
                String unit;
                if (oldKind.equals("duration") || oldKind.equals("storage") || oldKind.equals("rate"))
                {
                    unit = minUnit(oldType, oldKind); // old value was itself a spec string
                }
                else
                {
                    Object sample = oldType == String.class ? "1"
                                  : oldType == Long.class || oldType == long.class ? (Object) 1L
                                  : oldType == Double.class || oldType == double.class ? (Object) 1.0d
                                  : (Object) 1;
                    String converted = String.valueOf(call(conv, "convert", sample));
                    Matcher m = Pattern.compile("^(\\d+)(\\D+)$").matcher(converted);
                    if (!m.matches())
                        throw new IllegalStateException("cannot read unit of " + converted);
                    if (m.group(1).equals("1"))
                        unit = m.group(2);
                    else if (m.group(1).equals("125000") && m.group(2).equals("B/s"))
                        unit = "Mbit/s"; // 10^6 bits / 8
                    else
                        throw new IllegalStateException(oldName + ": unexpected conversion of 1 -> " + converted);
                }
                out.put(oldName, new String[]{ unit, ((Enum<?>) conv).name() });
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ JSON output

    static String toJsonString(Object o)
    {
        StringBuilder sb = new StringBuilder();
        writeJson(sb, o, -1);
        return sb.toString();
    }

    static void writeJson(StringBuilder sb, Object o, int indent)
    {
        if (o == null)
            sb.append("null");
        else if (o instanceof Boolean || o instanceof Long || o instanceof Integer)
            sb.append(o);
        else if (o instanceof String)
            quote(sb, (String) o);
        else if (o instanceof Map)
        {
            Map<?, ?> m = (Map<?, ?>) o;
            if (m.isEmpty())
            {
                sb.append("{}");
                return;
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet())
            {
                if (!first)
                    sb.append(',');
                first = false;
                newline(sb, indent < 0 ? -1 : indent + 1);
                quote(sb, (String) e.getKey());
                sb.append(indent < 0 ? ":" : ": ");
                writeJson(sb, e.getValue(), indent < 0 ? -1 : indent + 1);
            }
            newline(sb, indent);
            sb.append('}');
        }
        else if (o instanceof List)
        {
            List<?> l = (List<?>) o;
            if (l.isEmpty())
            {
                sb.append("[]");
                return;
            }
            boolean flat = l.stream().allMatch(x -> x == null || x instanceof String);
            sb.append('[');
            boolean first = true;
            for (Object x : l)
            {
                if (!first)
                    sb.append(flat ? ", " : ",");
                first = false;
                if (!flat)
                    newline(sb, indent < 0 ? -1 : indent + 1);
                writeJson(sb, x, flat ? -1 : (indent < 0 ? -1 : indent + 1));
            }
            if (!flat)
                newline(sb, indent);
            sb.append(']');
        }
        else
            throw new IllegalArgumentException("not JSON: " + o.getClass());
    }

    static void newline(StringBuilder sb, int indent)
    {
        if (indent < 0)
            return;
        sb.append('\n');
        for (int i = 0; i < indent; i++)
            sb.append("  ");
    }

    static void quote(StringBuilder sb, String s)
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
                    if (c < 0x20 || c > 0x7e)
                        sb.append(String.format("\\u%04x", (int) c));
                    else
                        sb.append(c);
            }
        }
        sb.append('"');
    }

    // ------------------------------------------------------------------ main

    public static void main(String[] args) throws Exception
    {
        if (args.length < 3)
        {
            System.err.println("usage: CatalogGen <major.minor> <group:artifact:version> <out.json>\n" +
                               "         [--emit-old-units FILE]   write old_name<TAB>unit<TAB>converter for this version's @Replaces\n" +
                               "         [--old-units FILE]...     units for old-style fields without a unit suffix (3.11/4.0)");
            System.exit(2);
        }
        CatalogGen g = new CatalogGen();
        for (int i = 3; i < args.length; i += 2)
        {
            if (args[i].equals("--emit-old-units"))
            {
                StringBuilder tsv = new StringBuilder();
                for (Map.Entry<String, String[]> e : g.converterOldUnits().entrySet())
                    tsv.append(e.getKey()).append('\t').append(e.getValue()[0]).append('\t').append(e.getValue()[1]).append('\n');
                Files.write(Paths.get(args[i + 1]), tsv.toString().getBytes(StandardCharsets.UTF_8));
            }
            else if (args[i].equals("--old-units"))
            {
                for (String line : Files.readAllLines(Paths.get(args[i + 1]), StandardCharsets.UTF_8))
                {
                    String[] f = line.split("\t");
                    if (f.length >= 2)
                        g.oldUnits.putIfAbsent(f[0], f[1]); // first file given wins
                }
            }
            else
                throw new IllegalArgumentException("unknown option " + args[i]);
        }
        Class<?> config = Class.forName(CFG + "Config");
        Object instance = config.getConstructor().newInstance();
        Map<String, Object> params = g.describeClass(config, instance, 0);

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("cassandra_version", args[0]);
        root.put("artifact", args[1]);
        root.put("parameters", new ArrayList<>(params.values()));
        StringBuilder sb = new StringBuilder();
        writeJson(sb, root, 0);
        sb.append('\n');
        Path out = Paths.get(args[2]);
        Files.write(out, sb.toString().getBytes(StandardCharsets.UTF_8));
        System.err.println("CatalogGen: " + args[1] + ": " + params.size() + " top-level parameters -> " + out);
    }
}
