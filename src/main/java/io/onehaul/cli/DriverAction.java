package io.onehaul.cli;

import io.onehaul.config.OneHaulConfig;
import io.onehaul.host.HostException;
import io.onehaul.inflight.VmBusyException;
import io.onehaul.log.LoggingSetup;
import io.onehaul.log.VmLogContext;
import io.onehaul.opennebula.BadInputException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * Common frame of every driver action: logging set up for the VM log, errors turned into the
 * single plain stderr line one_vmm_exec makes the FAILURE text of (reference §1.7), exit codes.
 */
abstract class DriverAction implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(DriverAction.class);

    @Option(names = "--verbose", description = "also send DEBUG lines to stderr")
    boolean verbose;

    protected abstract String action();

    /** Which driver the action belongs to, for the timing line. */
    protected String driver() {
        return "lxc_live";
    }

    protected abstract int execute(ActionContext ctx);

    @Override
    public final Integer call() {
        CliEnvironment io = CliEnvironment.current();
        long start = System.nanoTime();
        try {
            OneHaulConfig config = OneHaulConfig.load(io.env());
            LoggingSetup.configure(config.logDir(), verbose);
            int rc = execute(new ActionContext(io, config));
            log.info("{} {} finished in {} ms", driver(), action(), (System.nanoTime() - start) / 1_000_000);
            return rc;
        } catch (BadInputException e) {
            log.error("{} refused: {}", action(), e.getMessage());
            io.err().println(action() + ": bad input: " + oneLine(e.getMessage()));
            return OneHaul.BAD_INPUT;
        } catch (VmBusyException e) {
            log.error("{}", e.getMessage());
            io.err().println(action() + ": " + oneLine(e.getMessage()));
            return OneHaul.FAILED;
        } catch (HostException | io.onehaul.vmm.ActionFailedException | io.onehaul.policy.guard.PlacementRefusedException | io.onehaul.oned.OnedException e) {
            log.error("{} failed: {}", action(), e.getMessage());
            io.err().println(action() + ": " + oneLine(e.getMessage()));
            return OneHaul.FAILED;
        } catch (RuntimeException e) {
            log.error("{} failed unexpectedly", action(), e);
            io.err().println(action() + ": internal error: " + oneLine(String.valueOf(e)));
            return OneHaul.FAILED;
        } finally {
            VmLogContext.clear();
        }
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("[\\r\\n]+", " ").strip();
    }
}
