package io.onehaul.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.onehaul.testsupport.OnedMessages.TestVm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code onevm migrate} (no --live) with lxc_live's CRIU save/restore, in oned's order with oned's argv
 * (reference §2.3, type 0): save on the old host (SAVE_MIGRATE, the message's VM already names the new
 * host), the TM MV lines (PROLOG_MIGRATE), CONTEXT, restore on the new host (BOOT_MIGRATE).
 */
public final class OnedColdMigration {
    /** The image datastore of the root disk's MV line. */
    public static final int IMAGE_DS = 1;

    public record Steps(Proc.Result save, Proc.Result moveFolder, Proc.Result restore) {}

    private final DriverHarness oned;
    private final TmHarness tm;
    private final Path work;

    public OnedColdMigration(DriverHarness oned, Path work) {
        this.oned = oned;
        this.work = work;
        this.tm = new TmHarness(oned, work.resolve("var"));
    }

    public TmHarness tm() {
        return tm;
    }

    /** Runs the steps, each required to succeed; returns them, and the VM as it now runs on {@code newHost}. */
    public Steps saveMoveRestore(TestVm vm, String newHost) {
        TestVm target = vm.onHost(newHost, vm.datastoreId(), 7);
        String ck = vm.sysdir() + "/checkpoint";
        Proc.Result save = oned.vmm("save", List.of(vm.deployId(), ck, vm.host()), vm.id(), vm.host(),
                OnedMessages.message(target, vm.host(), "", vm.datastoreId(), ck, "", ""));
        assertEquals(0, save.exit(), "save: " + save.stderr());
        Proc.Result folder = moveLines(vm, target);
        TestVm booting = vm.onHost(newHost, vm.datastoreId(), 35);
        context(booting);
        Proc.Result restore = oned.vmm("restore", List.of(ck, newHost, vm.deployId()), vm.id(), newHost,
                OnedMessages.message(booting, newHost, "", vm.datastoreId(), ck, "CONTEXT onehaul ...",
                        vm.sysdir() + "/disk.2"));
        assertEquals(0, restore.exit(), "restore: " + restore.stderr());
        return new Steps(save, folder, restore);
    }

    /** The CONTEXT TM_COMMAND oned runs before deploy and restore: context.sh on the front-end → disk.2. */
    public void context(TestVm vm) {
        try {
            Path ctx = work.resolve("vms/" + vm.id() + "/context.sh");
            Files.createDirectories(ctx.getParent());
            Files.writeString(ctx, "SET_HOSTNAME='counter-" + vm.id() + "'\nONEHAUL_CTX='cold path'\n");
            Proc.Result r = tm.line("context", ctx.toString(), vm.host() + ":" + vm.sysdir() + "/disk.2",
                    Integer.toString(vm.id()), Integer.toString(vm.datastoreId()));
            assertEquals(0, r.exit(), "tm context: " + r.stderr());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The transfer.N.migrate file: one MV per non-context disk (image DS id), then the VM folder. */
    public Proc.Result moveLines(TestVm from, TestVm to) {
        Proc.Result disk = tm.line("mv", from.host() + ":" + from.sysdir() + "/disk.0", to.host() + ":" + to.sysdir()
                + "/disk.0", Integer.toString(to.id()), Integer.toString(IMAGE_DS));
        assertEquals(0, disk.exit(), "MV disk.0: " + disk.stderr());
        Proc.Result dir = tm.line("mv", from.host() + ":" + from.sysdir(), to.host() + ":" + to.sysdir(),
                Integer.toString(to.id()), Integer.toString(to.datastoreId()));
        assertEquals(0, dir.exit(), "MV folder: " + dir.stderr());
        return dir;
    }
}
