// Loaded inside each per-file class loader (see ConfigOracle): collects the WARN/ERROR
// messages Cassandra logs while loading and applying one cassandra.yaml, e.g. the
// deprecation warnings for pre-4.1 parameter names.
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

import java.util.ArrayList;
import java.util.List;

public class CollectingAppender extends AppenderBase<ILoggingEvent>
{
    public static final List<String> MESSAGES = new ArrayList<>();

    @Override
    protected void append(ILoggingEvent e)
    {
        if (!e.getLevel().isGreaterOrEqual(Level.WARN))
            return;
        // The oracle's lib has no ACCP native jar (a packaged node has lib/<arch>/); not a config matter.
        if (e.getFormattedMessage() != null && e.getFormattedMessage().contains("AmazonCorrettoCryptoProvider is not on the class path"))
            return;
        synchronized (MESSAGES)
        {
            if (MESSAGES.size() < 50)
                MESSAGES.add(e.getLevel() + " " + e.getLoggerName().replaceFirst("^.*\\.", "") + ": " + e.getFormattedMessage());
        }
    }
}
