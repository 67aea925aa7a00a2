package io.onehaul.testsupport;

import io.onehaul.testsupport.OnedMessages.TestVm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Plays one_vmm_exec's MIGRATE (reference §2.2, observed §10.3/§10.4): TM premigrate of the system
 * datastore's TM (failmigrate if it fails), [vnm pre: no VN_MAD scripts here], VMM migrate on the
 * source (failmigrate if it fails), [vnm clean/post], TM postmigrate (no_fail); and the reply line it
 * would send oned. The FAILURE text is the failing script's plain stderr lines glued together.
 */
public final class OnedMigrationHarness {
    public static final String TM = "onehaul";

    public record Outcome(String reply, List<String> steps, List<Proc.Result> results) {
        public boolean success() {
            return reply.startsWith("MIGRATE SUCCESS");
        }

        public String allStderr() {
            StringBuilder sb = new StringBuilder();
            results.forEach(r -> sb.append(r.stderr()));
            return sb.toString();
        }
    }

    private final DriverHarness oned;

    public OnedMigrationHarness(DriverHarness oned) {
        this.oned = oned;
    }

    /** {@code onevm migrate --live}: {@code before} runs on its host; {@code after} is the new placement. */
    public Outcome liveMigrate(TestVm before, TestVm after) {
        List<String> steps = new ArrayList<>();
        List<Proc.Result> results = new ArrayList<>();
        String src = before.host();
        String dst = after.host();
        List<String> tmArgs = List.of(src, dst, after.sysdir(), Integer.toString(after.id()),
                Integer.toString(after.datastoreId()));
        String vmXml = OnedMessages.vm(after.onHost(dst, after.datastoreId(), 4));
        boolean tm = Files.isExecutable(Repo.root().resolve("remotes/tm/" + TM + "/premigrate"));

        if (tm) {
            Proc.Result pre = oned.tm("premigrate", tmArgs, vmXml);
            steps.add("tm premigrate");
            results.add(pre);
            if (pre.exit() != 0) {
                failmigrate(steps, results, tmArgs, vmXml);
                return new Outcome("MIGRATE FAILURE " + after.id() + " " + failureText(pre), steps, results);
            }
        }
        String message = OnedMessages.message(after.onHost(dst, after.datastoreId(), 4), src, dst, before.datastoreId(), "",
                "MIGRATE " + TM + " " + src + " " + dst + " " + after.sysdir() + " " + after.id() + " "
                        + after.datastoreId() + "\n", after.sysdir());
        Proc.Result mig = oned.vmm("migrate", List.of(before.deployId(), dst, src), after.id(), src, message);
        steps.add("vmm migrate");
        results.add(mig);
        if (mig.exit() != 0) {
            if (tm) {
                failmigrate(steps, results, tmArgs, vmXml);
            }
            return new Outcome("MIGRATE FAILURE " + after.id() + " " + failureText(mig), steps, results);
        }
        if (tm) {
            Proc.Result post = oned.tm("postmigrate", tmArgs, vmXml);
            steps.add("tm postmigrate" + (post.exit() == 0 ? "" : " (failed, no_fail)"));
            results.add(post);
        }
        return new Outcome("MIGRATE SUCCESS " + after.id() + " -", steps, results);
    }

    private void failmigrate(List<String> steps, List<Proc.Result> results, List<String> tmArgs, String vmXml) {
        Proc.Result f = oned.tm("failmigrate", tmArgs, vmXml);
        steps.add("tm failmigrate");
        results.add(f);
    }

    /** one_vmm_exec: plain (untagged) stderr lines, concatenated without a separator (reference §1.7). */
    public static String failureText(Proc.Result r) {
        StringBuilder sb = new StringBuilder();
        r.stderr().lines().filter(l -> !l.matches("^(ERROR|INFO|WARN|DEBUG):.*")).forEach(sb::append);
        return sb.toString();
    }

}
