/*
 * LoaderCheck: loads cassandra.yaml files with the real org.apache.cassandra.config.YamlConfigurationLoader
 * of the cassandra-all version on the classpath (the ground truth the catalogue is checked against).
 *
 *   java -cp "CLASSES_DIR:LIB/*" LoaderCheck <cassandra.yaml>...
 *
 * Prints "OK <file>" or "FAIL <file>: <message>" per file; exit status 1 if any file failed.
 * Only the yaml -> Config step runs (no DatabaseDescriptor.applyConfig), so this checks key names and value
 * formats, not cross-parameter rules or paths on this machine.
 */

import java.net.URL;
import java.nio.file.Paths;

public class LoaderCheck
{
    public static void main(String[] args) throws Exception
    {
        Class<?> c = Class.forName("org.apache.cassandra.config.YamlConfigurationLoader");
        Object loader = c.getConstructor().newInstance();
        boolean failed = false;
        for (String f : args)
        {
            try
            {
                c.getMethod("loadConfig", URL.class).invoke(loader, Paths.get(f).toUri().toURL());
                System.out.println("OK   " + f);
            }
            catch (java.lang.reflect.InvocationTargetException e)
            {
                Throwable t = e.getCause();
                String msg = String.valueOf(t.getMessage()).replace('\n', ' ');
                while (t.getCause() != null && t.getCause() != t)
                {
                    t = t.getCause();
                    msg += " <- " + String.valueOf(t.getMessage()).replace('\n', ' ');
                }
                System.out.println("FAIL " + f + ": " + msg);
                failed = true;
            }
        }
        System.exit(failed ? 1 : 0);
    }
}
