package io.onehaul.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.util.FileSize;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * Configures logging in code rather than logback.xml, so that nothing (not even logback's own
 * status messages) can reach stdout: for deploy, stdout is the deploy id and nothing else.
 * stderr gets operator lines for the VM log; a rotating file gets the detail.
 */
public final class LoggingSetup {
    private LoggingSetup() {}

    public static void configure(String logDir, boolean verbose) {
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.DEBUG);

        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setTarget("System.err");
        LayoutWrappingEncoder<ILoggingEvent> enc = new LayoutWrappingEncoder<>();
        OpenNebulaLineLayout layout = new OpenNebulaLineLayout();
        layout.setContext(ctx);
        layout.start();
        enc.setLayout(layout);
        enc.setContext(ctx);
        enc.start();
        console.setEncoder(enc);
        ch.qos.logback.classic.filter.ThresholdFilter threshold = new ch.qos.logback.classic.filter.ThresholdFilter();
        threshold.setLevel(verbose ? "DEBUG" : "INFO");
        threshold.start();
        console.addFilter(threshold);
        console.start();
        root.addAppender(console);

        Path dir = logDir == null ? null : Path.of(logDir);
        if (dir != null && Files.isDirectory(dir) && Files.isWritable(dir)) {
            RollingFileAppender<ILoggingEvent> file = new RollingFileAppender<>();
            file.setContext(ctx);
            file.setFile(dir.resolve("onehaul.log").toString());
            SizeAndTimeBasedRollingPolicy<ILoggingEvent> policy = new SizeAndTimeBasedRollingPolicy<>();
            policy.setContext(ctx);
            policy.setParent(file);
            policy.setFileNamePattern(dir.resolve("onehaul.%d{yyyy-MM-dd}.%i.log.gz").toString());
            policy.setMaxFileSize(FileSize.valueOf("20MB"));
            policy.setMaxHistory(14);
            policy.setTotalSizeCap(FileSize.valueOf("500MB"));
            policy.start();
            file.setRollingPolicy(policy);
            PatternLayoutEncoder fenc = new PatternLayoutEncoder();
            fenc.setContext(ctx);
            fenc.setPattern("%d{ISO8601} %-5level [vm %X{vmid:--}] [%thread] %logger{20} - %msg%n");
            fenc.start();
            file.setEncoder(fenc);
            file.start();
            root.addAppender(file);
        }
        // SSHJ and the XML-RPC transport are chatty at DEBUG; the file log keeps their INFO and up.
        ctx.getLogger("net.schmizz").setLevel(Level.WARN);
        // a relay's forwarded sockets closing at the end log "<<copyDone>> woke to: Socket closed" as ERROR;
        // every real failure also reaches the caller as an exception, which says it in the VM log
        ctx.getLogger("net.schmizz.concurrent").setLevel(Level.OFF);
        // A relay's copier logs "Socket closed" at ERROR whenever one side ends before the other: the
        // normal end of a relayed connection, not something an operator should read as a failure.
        ctx.getLogger("net.schmizz.sshj.common.StreamCopier").setLevel(Level.OFF);
        ctx.getLogger("com.hierynomus").setLevel(Level.WARN);
        ctx.getLogger("org.apache").setLevel(Level.WARN);
    }
}
